import { periodOf, type PeriodConfig } from './period-of.js';
import { previousPeriod } from './previous-period.js';
import { zonedDateParts } from './zoned-date-parts.js';

/**
 * Days at the start of a period during which the nightly reconcile also recounts the period before:
 * the 02:30 run on the 1st already reconciles the new period, so without this a change made on the
 * old period's last day (or a job that failed that evening) would never be corrected. Three runs give
 * two spare nights for a HEAT or Redis outage.
 */
export const PREVIOUS_PERIOD_CATCH_UP_DAYS = 3;

/**
 * The periods the nightly reconcile covers at `nowIso`: the previous one during the first
 * PREVIOUS_PERIOD_CATCH_UP_DAYS local days of a period (oldest first), then the current one.
 */
export function periodsToReconcile(nowIso: string, cfg: PeriodConfig): string[] {
  const current = periodOf(nowIso, cfg);
  const local = zonedDateParts(Date.parse(nowIso), cfg.timeZone);
  const firstMonthOfPeriod = cfg.period === 'month' || local.month === cfg.schoolYearStartMonth;
  if (firstMonthOfPeriod && local.day <= PREVIOUS_PERIOD_CATCH_UP_DAYS) {
    return [previousPeriod(current, cfg), current];
  }
  return [current];
}
