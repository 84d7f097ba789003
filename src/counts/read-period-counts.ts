import type { Redis } from 'ioredis';
import { isCategoryId, SCOPE_IDS, type ScopeId } from '../domain/index.js';
import { countsKeys, SEP, type CountsKeys } from './counts-keys.js';
import { emptySchoolCounts, outOfScopeShareOf, type SchoolCounts } from './school-counts.js';

/** Per-school counts from `school US category US scope -> count` entries, sorted by school name. */
export function aggregateCounts(period: string, entries: Iterable<[string, number]>): SchoolCounts[] {
  const bySchool = new Map<string, SchoolCounts>();
  for (const [field, count] of entries) {
    if (!Number.isFinite(count) || count === 0) continue;
    const [school, category, scope] = field.split(SEP);
    if (
      school === undefined ||
      !isCategoryId(category) ||
      !(SCOPE_IDS as readonly string[]).includes(scope ?? '')
    ) {
      continue;
    }
    let row = bySchool.get(school);
    if (!row) {
      row = emptySchoolCounts(period, school);
      bySchool.set(school, row);
    }
    row.total += count;
    row.byScope[scope as ScopeId] += count;
    row.byCategory[category] += count;
  }
  const rows = [...bySchool.values()];
  for (const row of rows) row.outOfScopeShare = outOfScopeShareOf(row);
  return rows.sort((a, b) => a.school.localeCompare(b.school));
}

/** The period's counters as they are in Redis. */
export async function readPeriodCounts(
  redis: Redis,
  keys: CountsKeys,
  period: string,
): Promise<SchoolCounts[]> {
  const hash = await redis.hgetall(keys.period(period));
  return aggregateCounts(
    period,
    Object.entries(hash).map(([field, value]) => [field, Number(value)]),
  );
}

/** The period's counters for a reader that has only Redis (the report command): no HEAT client needed. */
export async function readSchoolCounts(
  redis: Redis,
  queuePrefix: string,
  period: string,
): Promise<SchoolCounts[]> {
  return readPeriodCounts(redis, countsKeys(queuePrefix), period);
}
