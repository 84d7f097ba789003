const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A period id in words: `2026-11` -> November 2026 / Nov 2026, `SY2026-27` -> school year 2026-27. */
export function periodLabel(period: string): { long: string; short: string } {
  const month = /^(\d{4})-(\d{2})$/.exec(period);
  const name = month ? MONTHS[Number(month[2]) - 1] : undefined;
  if (month && name) return { long: `${name} ${month[1]}`, short: `${name.slice(0, 3)} ${month[1]}` };
  const schoolYear = /^SY(\d{4}(?:-\d{2})?)$/.exec(period);
  if (schoolYear) return { long: `school year ${schoolYear[1]}`, short: schoolYear[1] ?? period };
  return { long: period, short: period };
}

/** A local date and time in the district's zone, e.g. "18 November 2026, 09:00 (America/Chicago)". */
export function localDateTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} (${timeZone})`;
}
