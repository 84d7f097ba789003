import { schoolYearId, type PeriodConfig } from './period-of.js';
import { zonedMidnightToInstant } from './zoned-date-parts.js';

const MONTH_ID = /^(\d{4})-(\d{2})$/;
const SCHOOL_YEAR_ID = /^SY(\d{4})(?:-(\d{2}))?$/;

/**
 * Checks a period id against the configured kind of period and returns its first local month.
 * Throws an error that shows the expected form.
 */
export function parsePeriod(period: string, cfg: PeriodConfig): { year: number; month: number } {
  const example = cfg.period === 'month' ? '2026-11' : schoolYearId(2026, cfg.schoolYearStartMonth);
  const month = MONTH_ID.exec(period);
  const schoolYear = SCHOOL_YEAR_ID.exec(period);
  if (cfg.period === 'month' && month) {
    const m = Number(month[2]);
    if (m >= 1 && m <= 12) return { year: Number(month[1]), month: m };
  }
  if (cfg.period === 'school_year' && schoolYear) {
    const year = Number(schoolYear[1]);
    if (schoolYearId(year, cfg.schoolYearStartMonth) === period)
      return { year, month: cfg.schoolYearStartMonth };
  }
  throw new RangeError(
    `period ${JSON.stringify(period)} is not a ${cfg.period === 'month' ? 'month' : 'school year'} id ` +
      `(counts.period is ${cfg.period}): use the form ${example}`,
  );
}

/**
 * The instants [start, end) of a period in the district's time zone, as ISO strings in UTC, for the
 * CreatedDateTime range filter of reconcile. `2026-11` in America/Chicago is
 * 2026-11-01T05:00:00.000Z (CDT ended on 1 November 2026) to 2026-12-01T06:00:00.000Z.
 */
export function periodRange(period: string, cfg: PeriodConfig): { start: string; end: string } {
  const { year, month } = parsePeriod(period, cfg);
  const length = cfg.period === 'month' ? 1 : 12;
  const endMonthIndex = month - 1 + length;
  const endYear = year + Math.floor(endMonthIndex / 12);
  const endMonth = (endMonthIndex % 12) + 1;
  return {
    start: new Date(zonedMidnightToInstant(year, month, 1, cfg.timeZone)).toISOString(),
    end: new Date(zonedMidnightToInstant(endYear, endMonth, 1, cfg.timeZone)).toISOString(),
  };
}
