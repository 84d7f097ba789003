import { CATEGORY_IDS, type CategoryId } from '../domain/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { SchoolCounts } from './school-counts.js';

export type CountFieldNames = ServiceConfig['counts']['fields'];

/** The school-record field that holds the count of one category. */
export function categoryFieldName(fields: CountFieldNames, category: CategoryId): string {
  return fields.categories[category] ?? `${fields.categoryPrefix}${category}`;
}

/**
 * Field -> value for a school record, without the "updated" stamp (which changes on every write and so
 * never decides whether a write is needed).
 */
export function countFieldValues(
  counts: SchoolCounts,
  fields: CountFieldNames,
): Record<string, string | number> {
  const values: Record<string, string | number> = {
    [fields.inScope]: counts.byScope.in_scope,
    [fields.outOfScope]: counts.byScope.out_of_scope,
    [fields.restricted]: counts.byScope.restricted,
    [fields.needsReview]: counts.byScope.needs_review,
  };
  for (const category of CATEGORY_IDS)
    values[categoryFieldName(fields, category)] = counts.byCategory[category];
  values[fields.outOfScopeShare] = counts.outOfScopeShare;
  values[fields.period] = counts.period;
  return values;
}
