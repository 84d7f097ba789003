import type { FieldMapping } from '../config/index.js';
import { type HeatClient } from '../heat/index.js';
import type { Logger } from '../observability/index.js';
import { coerceError } from '../domain/index.js';

/**
 * Which of `fields` the records of `set` lack, from one sample record (a record lists every field of
 * its business object, null when empty: docs/heat-api.md §8/§13). null: the set is empty, nothing proven.
 * No $select: selecting a field the tenant lacks would itself fail (docs/heat-api.md §4, bad field -> 400).
 */
export async function findMissingFields(
  heat: HeatClient,
  fields: Readonly<Record<string, string>> | readonly string[],
  set: string,
): Promise<string[] | null> {
  let sample: Record<string, unknown> | undefined;
  for await (const page of heat.pages(set, { top: 1 })) {
    sample = page[0];
    break;
  }
  if (!sample) return null;
  return fieldsMissingFrom(sample, fields);
}

/** Which of `fields` a record of their business object lacks (a record lists every field it has). */
export function fieldsMissingFrom(
  record: Readonly<Record<string, unknown>>,
  fields: Readonly<Record<string, string>> | readonly string[],
): string[] {
  const present = new Set(Object.keys(record).map((k) => k.toLowerCase()));
  const wanted = [...new Set(Array.isArray(fields) ? fields : Object.values(fields))] as string[];
  return wanted.filter((name) => !present.has(name.toLowerCase()));
}

/**
 * The custom fields of routing.yaml `fields` that the tenant's incidents lack, read once at start-up
 * from one sample record. Pass the result to planActions as missingFields so that no PATCH ever names an
 * unknown field (HEAT refuses the whole PATCH: docs/heat-api.md §10). An empty tenant proves nothing: [].
 */
export async function checkTenantFields(
  heat: HeatClient,
  fields: Readonly<Record<string, string>>,
  incidentSet: string,
): Promise<string[]> {
  return (await findMissingFields(heat, fields, incidentSet)) ?? [];
}

export interface TenantFieldsCheck {
  /** Runs the check unless it has succeeded; a failed read is logged and tried again on the next call. */
  ensure(): Promise<void>;
  /** The fields found missing (empty until a check succeeds). */
  missing(): ReadonlySet<string>;
}

/**
 * The service's use of checkTenantFields: read once from a sample record. When HEAT cannot be read at
 * start-up the check runs again before the next job, so that a missing field is never sent (HEAT
 * would refuse every PATCH naming it).
 */
export function createTenantFieldsCheck(
  heat: HeatClient,
  fields: FieldMapping,
  incidentSet: string,
  logger: Logger,
): TenantFieldsCheck {
  let missing: ReadonlySet<string> = new Set();
  let checked: Promise<void> | null = null;
  return {
    missing: () => missing,
    ensure() {
      checked ??= checkTenantFields(heat, fields, incidentSet).then(
        (names) => {
          missing = new Set(names);
          if (names.length > 0) {
            logger.warn('the HEAT tenant lacks custom fields; they will not be written', {
              event: 'tenant_fields_missing',
              fields: names,
            });
          }
        },
        (err: unknown) => {
          checked = null;
          logger.warn('could not read a sample incident to check custom fields; will try again', {
            event: 'tenant_fields_unchecked',
            error: coerceError(err).message,
          });
          throw err;
        },
      );
      return checked;
    },
  };
}
