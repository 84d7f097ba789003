import { teamKey } from './team-name.js';

/**
 * Whether a HEAT field already holds the value we would write. HEAT returns empty text as "" or null,
 * booleans and numbers sometimes as strings, so values are compared by meaning, not by type.
 */
export function sameFieldValue(current: unknown, wanted: unknown): boolean {
  if (isEmpty(wanted)) return isEmpty(current);
  if (isEmpty(current)) return false;
  if (typeof wanted === 'boolean') return asBoolean(current) === wanted;
  if (typeof wanted === 'number') {
    const n = typeof current === 'number' ? current : Number(String(current).trim());
    return Number.isFinite(n) && Math.abs(n - wanted) < 1e-9;
  }
  return String(current).trim() === String(wanted).trim();
}

/** Team names: HEAT's validated-field `eq` is case-insensitive (docs/heat-api.md §4), so we compare alike. */
export function sameTeam(a: unknown, b: unknown): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  return teamKey(String(a)) === teamKey(String(b));
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const s = String(value).trim().toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  return undefined;
}
