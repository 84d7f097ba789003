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

/**
 * Unix time (seconds) at which the Redis keys of `period` expire: the period's end plus
 * COUNTS_RETENTION_DAYS. The same for every key of the period, so its hash, its member set and its
 * tickets' states disappear together and never disagree.
 */
export function periodExpiresAt(period: string, cfg: PeriodConfig): number {
  const endMs = Date.parse(periodRange(period, cfg).end);
  return Math.floor(endMs / 1000) + COUNTS_RETENTION_DAYS * DAY_SECONDS;
}
