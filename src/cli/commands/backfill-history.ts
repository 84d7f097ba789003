import { classifyTicket, type CompiledPolicy } from '../../classify/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ReconcileRow, RoutingInput } from '../../counts/index.js';
import { FINAL_STATUSES, isCategoryId, SCOPE_IDS, type HeatRecord, type Ticket } from '../../domain/index.js';
import type { HeatClient } from '../../heat/index.js';

/**
 * What backfill does with the tickets of a page:
 * - `default`: tickets in a final state (Resolved, Closed: never moved) are counted from the page;
 *   the others go through the queue and the worker's handler;
 * - `counts-only`: every ticket is counted from the page; nothing is queued, no ticket is written;
 * - `tag-history`: as `default`, and final-state tickets are also tagged, from the page record (one
 *   PATCH where the SBT fields differ, no read).
 */
export type HistoryMode = 'default' | 'counts-only' | 'tag-history';

/** Where one ticket of a page goes. */
export type TicketRoute = 'queue' | 'count' | 'tag';

/** Resolved and Closed, compared as plan-actions compares them (trimmed, any case). */
export function isFinalState(record: HeatRecord): boolean {
  const status = typeof record.Status === 'string' ? record.Status.trim().toLowerCase() : '';
  return status !== '' && FINAL_STATUSES.some((s) => s.toLowerCase() === status);
}

export function routeOf(record: HeatRecord, mode: HistoryMode): TicketRoute {
  if (mode === 'counts-only') return 'count';
  if (!isFinalState(record)) return 'queue';
  return mode === 'tag-history' ? 'tag' : 'count';
}

/**
 * The row a ticket is counted under: its tags when they are policy ids (what reconcile counts, and what
 * the worker wrote when it decided), otherwise the decision the policy gives for the page record (a
 * ticket never tagged). Reconcile leaves untagged tickets as Redis has them, so such counts stay.
 */
export function countRowOf(
  record: HeatRecord,
  config: Pick<LoadedConfig, 'routing' | 'service'>,
  policy: CompiledPolicy,
): ReconcileRow {
  const fields = config.routing.fields;
  const tagged =
    isCategoryId(record[fields.category]) && (SCOPE_IDS as readonly unknown[]).includes(record[fields.scope]);
  const decided = tagged ? null : classifyTicket(record as Ticket, policy);
  return {
    recId: typeof record.RecId === 'string' ? record.RecId : '',
    incidentNumber: record.IncidentNumber,
    createdDateTime: record.CreatedDateTime,
    school: record[config.service.counts.schoolField],
    category: decided ? decided.category : record[fields.category],
    scope: decided ? decided.scope : record[fields.scope],
  };
}

/** A page record's routing, for the bounce rate's counts (routed-to and override fields set or not). */
export function routingOf(
  record: HeatRecord,
  config: Pick<LoadedConfig, 'routing' | 'service'>,
): RoutingInput {
  const fields = config.routing.fields;
  const set = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  const school = record[config.service.counts.schoolField];
  return {
    recId: typeof record.RecId === 'string' ? record.RecId : '',
    school: typeof school === 'string' ? school : null,
    createdDateTime: typeof record.CreatedDateTime === 'string' ? record.CreatedDateTime : null,
    routed: set(record[fields.routedTo]),
    overridden: set(record[fields.override]),
  };
}

/**
 * The HEAT client with the page's records handed out instead of a read: the worker's handler asks for
 * the ticket by RecId and gets the record the page carried (once; a second ask reads HEAT). Every other
 * call goes to HEAT as usual, through the same budget and counters.
 */
export function withPageRecords(heat: HeatClient, records: Map<string, HeatRecord>): HeatClient {
  return {
    ...heat,
    async getByRecId(set, recId) {
      const record = records.get(recId);
      if (record) {
        records.delete(recId);
        return record;
      }
      return heat.getByRecId(set, recId);
    },
  };
}

/** Runs `task` over `items`, at most `limit` at once. */
export async function eachWithLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await task(items[next++] as T);
  });
  await Promise.all(lanes);
}
