/** HEAT renders an unset date as this value, never null (docs/heat-api.md §6). */
export const UNSET_HEAT_DATE = '0001-01-01T00:00:00Z';

/** Parses '+05:30' / '-06:00' / 'Z' into minutes east of UTC. */
export function parseOffsetMinutes(offset: string): number {
  if (offset === 'Z' || offset === '+00:00' || offset === '-00:00') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) throw new Error(`tenantOffset '${offset}' is not an offset like '-06:00' or '+05:30' or 'Z'`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Renders an instant the way HEAT does: ISO-8601 in the tenant's offset ("2020-08-12T16:33:37-07:00",
 * docs/heat-api.md §6), whole seconds unless millisecond precision is asked for.
 */
export function formatHeatDate(
  instant: Date | number,
  offset: string,
  precision: 'second' | 'millisecond' = 'second',
): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const offsetMinutes = parseOffsetMinutes(offset);
  const local = new Date(ms + offsetMinutes * 60_000);
  const base =
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const fraction = precision === 'millisecond' ? `.${pad(local.getUTCMilliseconds(), 3)}` : '';
  const suffix = offset === 'Z' || offsetMinutes === 0 ? 'Z' : offset;
  return `${base}${fraction}${suffix}`;
}
