import { schoolYearId, type PeriodConfig } from './period-of.js';
import { parsePeriod } from './period-range.js';

/** The period before `period`: `2026-01` -> `2025-12`, `SY2026-27` -> `SY2025-26`. */
export function previousPeriod(period: string, cfg: PeriodConfig): string {
  const { year, month } = parsePeriod(period, cfg);
  if (cfg.period === 'school_year') return schoolYearId(year - 1, cfg.schoolYearStartMonth);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}
