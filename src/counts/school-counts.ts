import { CATEGORY_IDS, SCOPE_IDS, type CategoryId, type ScopeId } from '../domain/index.js';

/** Bucket of tickets without a school; shown in reports, never written to HEAT. */
export const NO_SCHOOL = '(no school)';

/** One school's counts for one period. */
export interface SchoolCounts {
  period: string;
  /** The school's name as the incident carries it (OrganizationUnitID), or NO_SCHOOL. */
  school: string;
  /** false for the NO_SCHOOL bucket. */
  hasSchool: boolean;
  total: number;
  byScope: Record<ScopeId, number>;
  byCategory: Record<CategoryId, number>;
  /** out_of_scope / total, 0..1 rounded to 4 places; 0 when total is 0. */
  outOfScopeShare: number;
}

export function emptySchoolCounts(period: string, school: string): SchoolCounts {
  return {
    period,
    school,
    hasSchool: school !== NO_SCHOOL,
    total: 0,
    byScope: Object.fromEntries(SCOPE_IDS.map((s) => [s, 0])) as Record<ScopeId, number>,
    byCategory: Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0])) as Record<CategoryId, number>,
    outOfScopeShare: 0,
  };
}

/** Share of a school's tickets that belong elsewhere (out of scope) among all its counted tickets. */
export function outOfScopeShareOf(counts: Pick<SchoolCounts, 'total' | 'byScope'>): number {
  if (counts.total === 0) return 0;
  return Math.round((counts.byScope.out_of_scope / counts.total) * 10_000) / 10_000;
}
