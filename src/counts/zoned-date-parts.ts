/** Wall-clock date and time of an instant in an IANA time zone. */
export interface ZonedDateParts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        hourCycle: 'h23',
      });
    } catch {
      throw new RangeError(
        `time zone ${JSON.stringify(timeZone)} is not an IANA time zone: set counts.timeZone in config/service.yaml to one such as America/Chicago`,
      );
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError naming counts.timeZone when the zone is unknown to Intl. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/** The wall-clock parts of `instantMs` in `timeZone` (Intl only: no time zone database dependency). */
export function zonedDateParts(instantMs: number, timeZone: string): ZonedDateParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? NaN,
    month: parts.month ?? NaN,
    day: parts.day ?? NaN,
    hour: parts.hour ?? NaN,
    minute: parts.minute ?? NaN,
    second: parts.second ?? NaN,
  };
}

/** Offset of the zone from UTC at that instant, in ms (America/Chicago in January: -6 h). */
function offsetMs(instantMs: number, timeZone: string): number {
  const p = zonedDateParts(instantMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` reads midnight at the start of the given day.
 * Two passes settle the offset across a DST change; in a zone whose DST gap swallows midnight the
 * result is the first instant of that day that exists.
 */
export function zonedMidnightToInstant(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const first = wall - offsetMs(wall, timeZone);
  const second = wall - offsetMs(first, timeZone);
  return second;
}
