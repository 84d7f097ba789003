import type { HeatRecord } from '../domain/index.js';
import { eq, HeatApiError, or } from '../heat/index.js';
import type { CountsContext } from './counts-context.js';
import {
  planTicketCounts,
  recIdsToLookUp,
  schoolsToLookUp,
  type ReconcileInput,
  type ReconcileRow,
  type RedisSnapshot,
} from './plan-reconcile.js';

const MGET_CHUNK = 1000;
/** Names or RecIds per `(a eq 'x' or a eq 'y' ...)` request: keeps the URL around 1 KB. */
const OR_CHUNK = 20;

/** The fields reconcile reads of an incident. */
function selectOf(ctx: CountsContext): string[] {
  return [
    'RecId',
    'IncidentNumber',
    'CreatedDateTime',
    ctx.counts.schoolField,
    ctx.tags.category,
    ctx.tags.scope,
  ];
}

function rowOf(ctx: CountsContext, record: HeatRecord): ReconcileRow {
  return {
    recId: typeof record.RecId === 'string' ? record.RecId : '',
    incidentNumber: record.IncidentNumber,
    createdDateTime: record.CreatedDateTime,
    school: record[ctx.counts.schoolField],
    category: record[ctx.tags.category],
    scope: record[ctx.tags.scope],
  };
}

async function readRange(ctx: CountsContext, filter: string): Promise<ReconcileRow[]> {
  const rows: ReconcileRow[] = [];
  const pages = ctx.heat.pages(ctx.heatConfig.incidentSet, {
    filter,
    select: selectOf(ctx),
    // A stable order, so that $skip paging does not skip rows; the plan drops rows repeated across pages.
    orderby: 'CreatedDateTime asc,RecId asc',
    top: ctx.heatConfig.pageSize,
  });
  for await (const page of pages) for (const record of page) rows.push(rowOf(ctx, record));
  return rows;
}

/** The period's counters and members in one MULTI (one snapshot); `before` of the result. */
async function readCounters(ctx: CountsContext, period: string): Promise<Omit<RedisSnapshot, 'states'>> {
  const { redis, keys } = ctx;
  const replies = await redis.multi().hgetall(keys.period(period)).smembers(keys.members(period)).exec();
  const [hash, members] = (replies ?? []).map(([err, value]) => {
    if (err) throw err;
    return value;
  }) as [Record<string, string>, string[]];
  const counters = Object.fromEntries(Object.entries(hash).map(([field, value]) => [field, Number(value)]));
  return { counters, members };
}

/** Stored states of the given tickets, in bulk (1,000 keys an MGET). */
export async function readStates(ctx: CountsContext, recIds: Iterable<string>): Promise<Map<string, string>> {
  const all = [...new Set(recIds)];
  const states = new Map<string, string>();
  for (let i = 0; i < all.length; i += MGET_CHUNK) {
    const chunk = all.slice(i, i + MGET_CHUNK);
    const stored = await ctx.redis.mget(...chunk.map((recId) => ctx.keys.ticket(recId)));
    chunk.forEach((recId, j) => {
      const text = stored[j];
      if (text) states.set(recId, text);
    });
  }
  return states;
}

/** The tickets of `recIds` as HEAT has them now, by key (`RecId eq` is exact whatever the tenant does with dates). */
async function lookUpByRecId(ctx: CountsContext, recIds: string[]): Promise<ReconcileRow[]> {
  const rows: ReconcileRow[] = [];
  for (let i = 0; i < recIds.length; i += OR_CHUNK) {
    const chunk = recIds.slice(i, i + OR_CHUNK);
    const found = await ctx.heat.list(ctx.heatConfig.incidentSet, {
      filter: or(...chunk.map((recId) => eq('RecId', recId))),
      select: selectOf(ctx),
      top: ctx.heatConfig.pageSize,
    });
    rows.push(...found.map((record) => rowOf(ctx, record)));
  }
  return rows;
}

/** School records that show the period; empty (with a logged fix) when the tenant refuses the filter. */
async function readSchoolsShowing(ctx: CountsContext, period: string): Promise<HeatRecord[]> {
  try {
    return await ctx.heat.list(ctx.heatConfig.schoolSet, {
      filter: eq(ctx.fields.period, period),
      top: ctx.heatConfig.pageSize,
    });
  } catch (err) {
    if (!(err instanceof HeatApiError) || err.retryable) throw err;
    // A tenant that refuses to filter on the custom field: the schools named by tickets still get checked.
    ctx.logger.warn(
      'cannot list the school records that show this period; checking the schools named by tickets',
      {
        field: ctx.fields.period,
        status: err.status,
        code: err.code,
        fix: `add the custom field ${ctx.fields.period} to ${ctx.heatConfig.schoolSet} or set counts.fields.period`,
      },
    );
    return [];
  }
}

/** School records by name, 20 to a request (HEAT's eq is case-insensitive: the plan prefers the exact name). */
async function readSchoolsByName(ctx: CountsContext, names: string[]): Promise<HeatRecord[]> {
  const records: HeatRecord[] = [];
  for (let i = 0; i < names.length; i += OR_CHUNK) {
    const chunk = names.slice(i, i + OR_CHUNK);
    records.push(
      ...(await ctx.heat.list(ctx.heatConfig.schoolSet, {
        filter: or(...chunk.map((school) => eq(ctx.counts.schoolKeyField, school))),
        top: ctx.heatConfig.pageSize,
      })),
    );
  }
  return records;
}

/**
 * The read step of reconcile: gathers from Redis and HEAT everything planReconcile needs, and changes
 * nothing. HEAT calls: the range pages, one look-up per 20 tickets Redis counts that the range lacks,
 * and for the current period one query for the school records showing it plus one per 20 named
 * schools not among them: the school set is never listed whole.
 */
export function createReconcileReader(ctx: CountsContext) {
  return async function readReconcileInput(period: string, filter: string): Promise<ReconcileInput> {
    const counters = await readCounters(ctx, period);
    const rangeRows = await readRange(ctx, filter);
    const recIds = [...rangeRows.map((row) => row.recId).filter(Boolean), ...counters.members];
    const states = await readStates(ctx, recIds);
    const partial = { period, periodConfig: ctx.counts, rangeRows, redis: { ...counters, states } };
    const absent = recIdsToLookUp(partial);
    const lookedUp = absent.length > 0 ? await lookUpByRecId(ctx, absent) : [];
    const currentPeriod = ctx.currentPeriod();
    const keyField = ctx.counts.schoolKeyField;
    const schoolRecords = { keyField, showingPeriod: [] as HeatRecord[], byName: [] as HeatRecord[] };
    if (period === currentPeriod) {
      schoolRecords.showingPeriod = await readSchoolsShowing(ctx, period);
      // The schools to read are those of the plan's before and after: plan the tickets to know them.
      const tickets = planTicketCounts({ ...partial, lookedUp });
      schoolRecords.byName = await readSchoolsByName(
        ctx,
        schoolsToLookUp(tickets, keyField, schoolRecords.showingPeriod),
      );
    }
    return { ...partial, lookedUp, currentPeriod, schoolRecords };
  };
}

export type ReadReconcileInput = ReturnType<typeof createReconcileReader>;
