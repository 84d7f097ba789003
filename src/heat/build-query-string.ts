import type { ODataQuery } from './types.js';

/** HEAT refuses `$top=101` with 400 ISM_4000 (docs/heat-api.md §4). */
export const HEAT_MAX_TOP = 100;

function encodeList(items: readonly string[]): string {
  // Commas stay literal between items; each item is encoded on its own (spaces in "Field asc").
  return items.map((item) => encodeURIComponent(item.trim())).join(',');
}

/**
 * `?$filter=...&$select=...` with `$` names kept literal and values encoded with encodeURIComponent.
 * Empty `$select=` / `$orderby=` make HEAT answer 500 (docs/heat-api.md §4), so empty options are left out.
 */
export function buildQueryString(query: ODataQuery): string {
  const parts: string[] = [];
  if (query.filter !== undefined && query.filter.trim() !== '')
    parts.push(`$filter=${encodeURIComponent(query.filter)}`);
  const select = (query.select ?? []).filter((f) => f.trim() !== '');
  if (select.length > 0) parts.push(`$select=${encodeList(select)}`);
  const orderby = (query.orderby ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (orderby.length > 0) parts.push(`$orderby=${encodeList(orderby)}`);
  if (query.top !== undefined) {
    if (!Number.isInteger(query.top) || query.top < 1 || query.top > HEAT_MAX_TOP) {
      throw new RangeError(
        `$top must be an integer from 1 to ${HEAT_MAX_TOP} (HEAT refuses more), got ${query.top}`,
      );
    }
    parts.push(`$top=${query.top}`);
  }
  if (query.skip !== undefined) {
    if (!Number.isInteger(query.skip) || query.skip < 0)
      throw new RangeError(`$skip must be a non-negative integer, got ${query.skip}`);
    parts.push(`$skip=${query.skip}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}
