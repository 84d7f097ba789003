import type { FilterDateFormat } from './types.js';

/** A value HEAT's $filter can compare against. */
export type ODataValue = string | number | boolean | null;

const DAY_MS = 86_400_000;

/**
 * OData literal for a value: strings quoted with '' doubling the quote (OData), numbers and booleans
 * bare, null as HEAT's `'$NULL'` for empty text (docs/heat-api.md §4/§14).
 */
export function odataLiteral(value: ODataValue): string {
  if (value === null) return "'$NULL'";
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot put ${value} in an OData filter`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `'${value.replace(/'/g, "''")}'`;
}

function compare(op: string, field: string, value: ODataValue): string {
  return `${field} ${op} ${odataLiteral(value)}`;
}

export const eq = (field: string, value: ODataValue): string => compare('eq', field, value);
export const ne = (field: string, value: ODataValue): string => compare('ne', field, value);

function join(op: 'and' | 'or', parts: readonly string[]): string {
  const present = parts.filter((p) => p.trim() !== '');
  if (present.length === 0) throw new Error(`${op}() needs at least one condition`);
  // HEAT does not apply and-before-or precedence (docs/heat-api.md §4), so every group is parenthesised.
  return `(${present.join(` ${op} `)})`;
}

/** `(a and b and ...)`, always parenthesised. Empty strings are skipped. */
export function and(...parts: string[]): string {
  return join('and', parts);
}

/** `(a or b or ...)`, always parenthesised. Empty strings are skipped. */
export function or(...parts: string[]): string {
  return join('or', parts);
}

/** Parses an ISO-8601 instant (any offset) or throws an error naming the value. */
export function parseInstant(iso: string, what = 'timestamp'): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `${what} ${JSON.stringify(iso)} is not an ISO-8601 date/time (e.g. 2026-11-01T10:00:00Z)`,
    );
  }
  return ms;
}

/**
 * Bare date literal for $filter. HEAT accepts bare literals and refuses `datetime'...'` (docs/heat-api.md §6,
 * §15). 'timestamp' gives the instant in UTC to the second, rounded down (never later than asked);
 * 'date' gives the UTC day BEFORE the instant's day, because tenants may compare in local time
 * (docs/heat-api.md §15 open question 2): a day early re-reads a little, but never misses anything.
 */
export function odataDateLiteral(
  isoInstant: string | number,
  format: FilterDateFormat = 'timestamp',
): string {
  const ms = typeof isoInstant === 'number' ? isoInstant : parseInstant(isoInstant);
  if (format === 'date') return new Date(ms - DAY_MS).toISOString().slice(0, 10);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `field ge <bare date literal>`: records changed at or after the instant (see odataDateLiteral). */
export function filterSince(
  field: string,
  isoInstant: string | number,
  format: FilterDateFormat = 'timestamp',
): string {
  return `${field} ge ${odataDateLiteral(isoInstant, format)}`;
}
