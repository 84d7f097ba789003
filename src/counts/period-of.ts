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

/** The period of one instant, through Intl (the uncached computation). */
function periodAt(instantMs: number, cfg: PeriodConfig): { period: string; offsetMs: number } {
  const local = zonedDateParts(instantMs, cfg.timeZone);
  // The zone's offset at that instant, whole seconds (Intl reads the wall clock to the second).
  const wallMs = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const offsetMs = wallMs - Math.floor(instantMs / 1000) * 1000;
  if (cfg.period === 'month')
    return { period: `${local.year}-${String(local.month).padStart(2, '0')}`, offsetMs };
  const startYear = local.month >= cfg.schoolYearStartMonth ? local.year : local.year - 1;
  return { period: schoolYearId(startYear, cfg.schoolYearStartMonth), offsetMs };
}

const HOUR_MS = 3_600_000;
const MAX_CACHED_HOURS = 4_096;
/** Per configuration (time zone, period kind, start month): the period of each UTC hour seen. */
const hourCache = new Map<string, Map<number, string>>();

/**
 * The period of every instant in the UTC hour `hour`, or null when the hour holds a change of period
 * or of the zone's offset (then each instant is computed on its own). With one offset for the whole
 * hour the local clock runs straight through it, so equal periods at its first and last millisecond
 * mean one period for all of it, whatever the zone's offset (half and quarter hours included).
 */
function periodOfHour(hour: number, cfg: PeriodConfig): string | null {
  const first = periodAt(hour * HOUR_MS, cfg);
  const last = periodAt(hour * HOUR_MS + HOUR_MS - 1, cfg);
  return first.period === last.period && first.offsetMs === last.offsetMs ? first.period : null;
}

/**
 * The counting period of a ticket: `2026-11` (month) or `SY2026-27` (school year), taken from its
 * CreatedDateTime as the district's wall clock reads it (a ticket logged at 23:59 on 30 November in
 * Chicago is November's, although it is already 1 December in UTC). Cached per UTC hour: the worker
 * asks this for every ticket, and Intl's time-zone conversion is its dearest part.
 */
export function periodOf(createdDateTime: string, cfg: PeriodConfig): string {
  const instantMs = parseCreatedDateTime(createdDateTime);
  const hour = Math.floor(instantMs / HOUR_MS);
  const key = `${cfg.timeZone}|${cfg.period}|${cfg.schoolYearStartMonth}`;
  let hours = hourCache.get(key);
  if (!hours) {
    hours = new Map();
    hourCache.set(key, hours);
  }
  let period = hours.get(hour);
  if (period === undefined) {
    const whole = periodOfHour(hour, cfg);
    if (whole === null) return periodAt(instantMs, cfg).period;
    if (hours.size >= MAX_CACHED_HOURS) hours.clear();
    hours.set(hour, whole);
    period = whole;
  }
  return period;
}
