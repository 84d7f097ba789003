import { zonedDateParts } from './zoned-date-parts.js';

/** How counts are bucketed in time (config/service.yaml `counts`). */
export interface PeriodConfig {
  period: 'month' | 'school_year';
  /** 1-12: the month a school year starts. */
  schoolYearStartMonth: number;
  /** IANA zone of the district: a ticket belongs to the period of its local creation date. */
  timeZone: string;
}

/**
 * Id of a school year that starts in `startYear`: `SY2026-27` (August 2026 to July 2027), or `SY2026`
 * when school years start in January and so are calendar years.
 */
export function schoolYearId(startYear: number, startMonth: number): string {
  if (startMonth === 1) return `SY${startYear}`;
  return `SY${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}`;
}

/** Parses an ISO-8601 instant (any offset), throwing an error that names the value. */
export function parseCreatedDateTime(createdDateTime: string): number {
  const ms = Date.parse(createdDateTime);
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `CreatedDateTime ${JSON.stringify(createdDateTime)} is not an ISO-8601 date/time (e.g. 2026-11-30T23:59:00-06:00)`,
    );
  }
  return ms;
}

/**
 * The counting period of a ticket: `2026-11` (month) or `SY2026-27` (school year), taken from its
 * CreatedDateTime as the district's wall clock reads it (a ticket logged at 23:59 on 30 November in
 * Chicago is November's, although it is already 1 December in UTC).
 */
export function periodOf(createdDateTime: string, cfg: PeriodConfig): string {
  const local = zonedDateParts(parseCreatedDateTime(createdDateTime), cfg.timeZone);
  if (cfg.period === 'month') return `${local.year}-${String(local.month).padStart(2, '0')}`;
  const startYear = local.month >= cfg.schoolYearStartMonth ? local.year : local.year - 1;
  return schoolYearId(startYear, cfg.schoolYearStartMonth);
}
