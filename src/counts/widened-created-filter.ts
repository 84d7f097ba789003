import { filterSince, odataDateLiteral, type FilterDateFormat } from '../heat/index.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/**
 * Whether HEAT reads a date literal in UTC or in the tenant's local time is unknown (docs/heat-api.md §15,
 * open question 2). Local time is at most 14 h from UTC (UTC+14, Kiribati; UTC-12 at the other end),
 * so a literal means an instant within 14 h of its UTC reading.
 */
export const MAX_UTC_OFFSET_MS = 14 * HOUR_MS;
/** Each side of the period is queried this much wider: more than MAX_UTC_OFFSET_MS. */
export const RANGE_MARGIN_MS = DAY_MS;

export interface WidenedCreatedFilter {
  /** `(field ge <literal> and field lt <literal>)`, parenthesised (HEAT has no and/or precedence, docs/heat-api.md §4). */
  filter: string;
  /** The two literals as sent. */
  from: string;
  to: string;
  /**
   * Instants HEAT returns whichever way it reads the literals (UTC or any local time): every ticket
   * created in [start, end) is in the answer if HEAT still has it. Always contains the period.
   */
  covered: { start: string; end: string };
}

/** The instant a bare literal names when read in UTC (a bare date is midnight UTC). */
function literalMs(literal: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(literal) ? `${literal}T00:00:00Z` : literal);
}

/**
 * The CreatedDateTime filter with which reconcile reads a period: the period's [start, end) widened by
 * RANGE_MARGIN_MS on each side, written in the tenant's literal format (service.yaml
 * `heat.filterDateFormat`). With 'date' the bounds are whole UTC days rounded outwards (filterSince
 * already starts a day early; the end is the day after the widened end), so the range only grows.
 */
export function widenedCreatedFilter(
  field: string,
  range: { start: string; end: string },
  format: FilterDateFormat,
): WidenedCreatedFilter {
  const lowerMs = Date.parse(range.start) - RANGE_MARGIN_MS;
  const upperMs = Date.parse(range.end) + RANGE_MARGIN_MS;
  const lower = filterSince(field, lowerMs, format);
  const from = lower.slice(`${field} ge `.length);
  // odataDateLiteral rounds towards earlier instants (right for a lower bound); an upper bound must not
  // shrink, so: the next whole second, or (date) the day after the widened end's UTC day.
  const to =
    format === 'date'
      ? odataDateLiteral(upperMs + 2 * DAY_MS, 'date')
      : odataDateLiteral(Math.ceil(upperMs / 1000) * 1000, 'timestamp');
  return {
    filter: `(${lower} and ${field} lt ${to})`,
    from,
    to,
    covered: {
      start: new Date(literalMs(from) + MAX_UTC_OFFSET_MS).toISOString(),
      end: new Date(literalMs(to) - MAX_UTC_OFFSET_MS).toISOString(),
    },
  };
}
