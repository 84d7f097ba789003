/**
 * The stable vocabulary of the policy (docs/architecture.md, "The policy it enforces"). These ids appear in
 * config, HEAT custom fields, logs, metrics and reports; display names and destinations are config.
 */
export const CATEGORY_IDS = [
  'hardware',
  'software_access',
  'telephone',
  'website',
  'office_development',
  'application_support',
  'gradebook_admin',
  'unclassified',
] as const;
export type CategoryId = (typeof CATEGORY_IDS)[number];

export const SCOPE_IDS = ['in_scope', 'out_of_scope', 'restricted', 'needs_review'] as const;
export type ScopeId = (typeof SCOPE_IDS)[number];

/** The fixed scope of each category id. Config may rename a category, never move it to another scope. */
export const CATEGORY_SCOPES: Readonly<Record<CategoryId, ScopeId>> = Object.freeze({
  hardware: 'in_scope',
  software_access: 'in_scope',
  telephone: 'out_of_scope',
  website: 'out_of_scope',
  office_development: 'out_of_scope',
  application_support: 'out_of_scope',
  gradebook_admin: 'restricted',
  unclassified: 'needs_review',
});

export function isCategoryId(value: unknown): value is CategoryId {
  return typeof value === 'string' && (CATEGORY_IDS as readonly string[]).includes(value);
}
