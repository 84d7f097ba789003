import type { CompiledPolicy } from '../classify/index.js';
import type { LoadedConfig } from '../config/index.js';

/** What the job itself, the planner (routing, gates, overrides) and the concurrent-change check read. */
const BASE_FIELDS = [
  'RecId',
  'IncidentNumber',
  'LastModDateTime',
  'LastModBy',
  'CreatedDateTime',
  'Subject',
  'Symptom',
  'Category',
  'Service',
  'Status',
  'Owner',
  'OwnerTeam',
  'OrganizationUnitID',
] as const;

/**
 * Every incident field the worker reads to decide, plan and count a ticket: the base fields above, the
 * policy's text fields and field tests, the model's features, the counts' school field and our SBT_*
 * fields (minus those the tenant lacks). A record holding these (a poll page row `$select`ed with them,
 * or a webhook body carrying all of them) stands in for a GET of the whole ticket:
 * test/unit/service/ticket-fields-needed.test.ts holds that decisions and plans are the same.
 */
export function ticketFieldsNeeded(
  config: Pick<LoadedConfig, 'routing' | 'service'>,
  policy: CompiledPolicy,
  missingFields: ReadonlySet<string> = new Set(),
): string[] {
  const fields = new Map<string, string>();
  const add = (name: string) => {
    if (!fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), name);
  };
  for (const name of BASE_FIELDS) add(name);
  for (const name of config.routing.normalise.textFields) add(name);
  for (const field of policy.fields) add(field.name);
  for (const rule of policy.rules) for (const test of rule.fieldTests) add(test.field);
  if (policy.model) {
    for (const name of policy.model.features.textFields) add(name);
    for (const name of policy.model.features.valueFields) add(name);
  }
  add(config.service.counts.schoolField);
  const missing = new Set([...missingFields].map((f) => f.toLowerCase()));
  for (const name of Object.values(config.routing.fields)) {
    if (!missing.has(name.toLowerCase())) add(name);
  }
  return [...fields.values()];
}
