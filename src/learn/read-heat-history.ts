import type { FilterDateFormat, HeatClient } from '../heat/index.js';
import { and, eq, filterSince, ne, or } from '../heat/index.js';
import { FINAL_STATUSES, isEmpty, type HeatRecord } from '../domain/index.js';

export interface HeatHistoryQuery {
  /** The incident set (service.yaml heat.incidentSet). */
  set: string;
  /** Closed tickets created at or after this instant are read. */
  sinceMs: number;
  /** routing.yaml `fields.override`: the team a person moved a ticket to after our routing. */
  overrideField: string;
  filterDateFormat?: FilterDateFormat;
  pageSize?: number;
}

export interface HeatHistory {
  /** Resolved/Closed incidents created since the date, without the overridden ones. */
  closed: HeatRecord[];
  /** Every incident with a non-empty override field (whatever its status or date). */
  overrides: HeatRecord[];
}

/**
 * Reads the help desk's own history from HEAT: the resolved and closed incidents created since a date
 * and every incident a person overrode. Two paged queries in a stable order; a ticket in both counts
 * once, as an override. The filter may read a day early (filterDateFormat 'date'): the date is checked
 * again here, and empty override values (which HEAT's `ne '$NULL'` still returns) are dropped.
 */
export async function readHeatHistory(heat: HeatClient, q: HeatHistoryQuery): Promise<HeatHistory> {
  const read = async (filter: string): Promise<HeatRecord[]> => {
    const out: HeatRecord[] = [];
    const pages = heat.pages(q.set, {
      filter,
      orderby: 'CreatedDateTime asc,RecId asc',
      ...(q.pageSize ? { top: q.pageSize } : {}),
    });
    for await (const page of pages) out.push(...page);
    return out;
  };
  const seen = new Set<string>();
  const once = (r: HeatRecord): boolean => {
    const id = String(r.RecId ?? '').toUpperCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  };
  const overrides = (await read(ne(q.overrideField, null))).filter(
    (r) => !isEmpty(r[q.overrideField]) && once(r),
  );
  const closedFilter = and(
    filterSince('CreatedDateTime', q.sinceMs, q.filterDateFormat),
    or(...FINAL_STATUSES.map((s) => eq('Status', s))),
  );
  const closed = (await read(closedFilter)).filter(
    (r) => Date.parse(String(r.CreatedDateTime ?? '')) >= q.sinceMs && once(r),
  );
  return { closed, overrides };
}
