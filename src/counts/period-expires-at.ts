import type { PeriodConfig } from './period-of.js';
import { periodRange } from './period-range.js';

/**
 * How long a period's counters and its tickets' states stay in Redis after the period ends: about 13
 * months, so that last year's same month can still be reported and a late reclassification still
 * leaves its old counter. Older periods can be rebuilt from HEAT's tags by a reconcile of a period that
 * is still kept; HEAT remains the source of truth (docs/counts.md, "Redis memory").
 */
export const COUNTS_RETENTION_DAYS = 400;

const DAY_SECONDS = 86_400;

/** Periods in use are few (this month, last month, a school year or two); the cap bounds a long run. */
const CACHE_MAX = 256;
const cache = new Map<string, number>();

/**
 * Unix time (seconds) at which the Redis keys of `period` expire: the period's end plus
 * COUNTS_RETENTION_DAYS. The same for every key of the period, so its hash, its member set and its
 * tickets' states disappear together and never disagree.
 */
export function periodExpiresAt(period: string, cfg: PeriodConfig): number {
  // Every counted ticket asks this, with a handful of distinct periods: computed once per period and
  // config (the time zone arithmetic costs more than the rest of the counting).
  const key = `${period}\u001f${cfg.period}\u001f${cfg.schoolYearStartMonth}\u001f${cfg.timeZone}`;
  let at = cache.get(key);
  if (at === undefined) {
    const endMs = Date.parse(periodRange(period, cfg).end);
    at = Math.floor(endMs / 1000) + COUNTS_RETENTION_DAYS * DAY_SECONDS;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, at);
  }
  return at;
}
