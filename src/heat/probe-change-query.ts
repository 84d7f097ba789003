import type { Logger } from '../observability/index.js';
import { coerceError } from '../domain/index.js';
import type { FilterDateFormat, HeatClient } from './types.js';

export interface ChangeQueryProbeOptions {
  incidentSet: string;
  filterDateFormat: FilterDateFormat;
}

/**
 * docs/heat-api.md §6/§15 leave open whether HEAT takes a full timestamp in $filter and whether it compares
 * in UTC: ask for the newest change with the same filter the poll uses, and say so loudly (an error
 * log with the fix) when HEAT does not return it. Never throws.
 */
export async function probeChangeQuery(
  heat: HeatClient,
  options: ChangeQueryProbeOptions,
  logger: Logger,
): Promise<void> {
  // The day-granular form pages a whole day with $skip: the newest change need not be on page one.
  if (options.filterDateFormat !== 'timestamp') return;
  try {
    let newest: Record<string, unknown> | undefined;
    for await (const page of heat.pages(options.incidentSet, {
      orderby: 'LastModDateTime desc',
      select: ['RecId', 'LastModDateTime'],
      top: 1,
    })) {
      newest = page[0];
      break;
    }
    const at = typeof newest?.LastModDateTime === 'string' ? newest.LastModDateTime : null;
    if (!newest || !at) return;
    let found = false;
    for await (const page of heat.changedSince(at, { set: options.incidentSet, overlapMs: 0, top: 100 })) {
      found = page.some((r) => r.RecId === newest.RecId);
      break;
    }
    if (!found) {
      logger.error('the change query does not return the newest change: polling would miss changes', {
        event: 'change_query_probe_failed',
        filterDateFormat: options.filterDateFormat,
        fix: 'set heat.filterDateFormat: date in service.yaml and raise poll.overlapSeconds to 86400',
      });
    }
  } catch (err) {
    logger.error('the change query was refused by HEAT', {
      event: 'change_query_probe_failed',
      error: coerceError(err).message,
      fix: 'set heat.filterDateFormat: date in service.yaml (for tenants that refuse full timestamps)',
    });
  }
}
