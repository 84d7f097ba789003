import type { HeatRecord } from '../domain/index.js';
import { parseInstant } from './odata-filter.js';

/**
 * The watermark after a batch of records: the latest LastModDateTime seen, never earlier than `current`.
 * HEAT renders dates with the tenant's offset (docs/heat-api.md §6: `-08:00`, `+05:30`, `Z`), so instants are
 * compared, not strings; the result is normalised to UTC ISO (`...Z`). Records without a parseable
 * LastModDateTime are ignored (unset dates are `0001-01-01T00:00:00Z`, which never wins anyway).
 */
export function nextWatermark(current: string, records: readonly HeatRecord[]): string {
  let best = parseInstant(current, 'watermark');
  for (const record of records) {
    const value = record['LastModDateTime'];
    if (typeof value !== 'string') continue;
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && ms > best) best = ms;
  }
  return new Date(best).toISOString();
}
