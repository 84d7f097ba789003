import { periodExpiresAt, previousPeriod, type PeriodConfig, type SchoolCounts } from '../counts/index.js';
import type { PeriodCounts } from './report-model.js';

/** At most this many periods before the reported one are read for the trend (13 months: the retention). */
const MAX_HISTORY = 13;

/**
 * The periods the trend shows, oldest first, ending with `period`: the ones before it whose counts
 * Redis still keeps at `now` (COUNTS_RETENTION_DAYS after their end; docs/counts.md, Redis memory).
 */
export function reportHistoryPeriods(period: string, cfg: PeriodConfig, now: Date): string[] {
  const periods = [period];
  let p = period;
  for (let i = 0; i < MAX_HISTORY; i += 1) {
    p = previousPeriod(p, cfg);
    if (periodExpiresAt(p, cfg) * 1000 <= now.getTime()) break;
    periods.unshift(p);
  }
  return periods;
}

/** Each period's counts through `read` (e.g. readSchoolCounts on the service's Redis), in order. */
export async function readReportHistory(
  periods: readonly string[],
  read: (period: string) => Promise<SchoolCounts[]>,
): Promise<PeriodCounts[]> {
  const history: PeriodCounts[] = [];
  for (const period of periods) history.push({ period, rows: await read(period) });
  return history;
}
