import type { Logger } from '../observability/index.js';
import { coerceError } from '../domain/index.js';
import { HeatApiError } from './heat-api-error.js';
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
    // Many tickets can share the newest second (a bulk update): read on until past that second.
    let found = false;
    let pages = 0;
    for await (const page of heat.changedSince(at, { set: options.incidentSet, overlapMs: 0, top: 100 })) {
      pages++;
      if (page.some((r) => r.RecId === newest.RecId)) {
        found = true;
        break;
      }
      const pastIt = page.some(
        (r) => typeof r.LastModDateTime === 'string' && Date.parse(r.LastModDateTime) > Date.parse(at),
      );
      if (pastIt || page.length === 0 || pages >= MAX_PROBE_PAGES) break;
    }
    if (!found) {
      logger.error('the change query does not return the newest change: polling would miss changes', {
        event: 'change_query_probe_failed',
        filterDateFormat: options.filterDateFormat,
        fix: 'set heat.filterDateFormat: date in service.yaml and raise poll.overlapSeconds to 86400',
      });
    }
  } catch (err) {
    logger.error(...probeFailure(err));
  }
}

/** At most this many pages are read looking for the newest change (100 tickets each). */
const MAX_PROBE_PAGES = 20;

/** HEAT down, credentials refused and a query HEAT will not run are three different problems. */
export function probeFailure(err: unknown): [string, Record<string, unknown>] {
  const error = coerceError(err).message;
  if (err instanceof HeatApiError && (err.status === 401 || err.status === 403)) {
    return [
      'the change-query probe was refused: HEAT does not accept our credentials',
      {
        event: 'change_query_probe_unauthorized',
        error,
        fix: 'check HEAT_API_KEY (or the session login) and the role of the service account',
      },
    ];
  }
  if (!(err instanceof HeatApiError) || err.retryable || err.status === 0 || err.status >= 500) {
    return [
      'the change-query probe could not reach HEAT; it says nothing about the query',
      {
        event: 'change_query_probe_unreachable',
        error,
        fix: 'check HEAT_BASE_URL and that the tenant is up; the probe runs again at the next start',
      },
    ];
  }
  return [
    'the change query was refused by HEAT',
    {
      event: 'change_query_probe_failed',
      error,
      fix: 'set heat.filterDateFormat: date in service.yaml (for tenants that refuse full timestamps)',
    },
  ];
}
