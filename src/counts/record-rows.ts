// Counting tickets straight from the pages a caller has already read (backfill's history), without a
// job or a read per ticket: the same row reading as reconcile (heatTicketOf) and the same
// compare-and-set move script as record() (docs/counts.md, Counting from pages).
import type { CountsContext } from './counts-context.js';
import { periodExpiresAt } from './period-expires-at.js';
import type { PeriodConfig } from './period-of.js';
import { heatTicketOf, type ReconcileRow, type TicketMove } from './plan-reconcile.js';
import { readStates } from './read-reconcile-input.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { NO_SCHOOL } from './school-counts.js';
import { encodeTicketState, type TicketCountState } from './ticket-count-state.js';

/** What counting one batch of rows did. */
export interface RecordRowsResult {
  /** Distinct rows with a RecId. */
  rows: number;
  /** Tickets whose count moved (new, or counted before under another state). */
  counted: number;
  /** Tickets Redis already counted under exactly this state (the live flow or an earlier run did). */
  alreadyCounted: number;
  /** Rows without a usable CreatedDateTime (not counted; the live flow would not count them either). */
  noCreatedDate: number;
  /** Rows whose category / scope are not policy ids (not counted). */
  invalid: number;
  /** Rows of a period past the counts retention (not counted, as record() does not count them). */
  pastRetention: number;
}

/** The moves a batch of rows needs, given the states Redis holds: pure (no I/O, `nowMs` passed in). */
/** A RecordRowsResult with every figure at 0. */
export function emptyRecordRowsResult(): RecordRowsResult {
  return { rows: 0, counted: 0, alreadyCounted: 0, noCreatedDate: 0, invalid: 0, pastRetention: 0 };
}

export function planRowCounts(
  rows: readonly ReconcileRow[],
  stored: ReadonlyMap<string, string>,
  cfg: PeriodConfig,
  nowMs: number,
): { moves: TicketMove[]; result: RecordRowsResult } {
  const result = emptyRecordRowsResult();
  const moves: TicketMove[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (!row.recId || seen.has(row.recId)) continue;
    seen.add(row.recId);
    result.rows++;
    const ticket = heatTicketOf(row, cfg);
    if (!ticket) result.noCreatedDate++;
    else if (!ticket.state) result.invalid++;
    else if (periodExpiresAt(ticket.period, cfg) * 1000 <= nowMs) result.pastRetention++;
    else if (stored.get(row.recId) === encodeTicketState(ticket.state)) result.alreadyCounted++;
    else moves.push({ recId: row.recId, state: ticket.state });
  }
  return { moves, result };
}

/** Lua calls side by side (one round trip each; ioredis pipelines them on the connection). */
const REDIS_CONCURRENCY = 64;

/**
 * CountsService.recordRows: every row whose category and scope are policy ids is counted in the
 * period of its CreatedDateTime, exactly once per ticket whoever else counts it (the move script is a
 * compare-and-set on the ticket's state). One MGET per 1,000 rows, one script call per ticket whose
 * count moves; no HEAT call (the debounced writer writes the schools).
 */
export async function recordRows(
  ctx: CountsContext,
  rows: readonly ReconcileRow[],
): Promise<RecordRowsResult> {
  const stored = await readStates(ctx, rows.map((row) => row.recId).filter(Boolean));
  const { moves, result } = planRowCounts(rows, stored, ctx.counts, ctx.now().getTime());
  const current = ctx.currentPeriod();
  const options = {
    dueMs: ctx.now().getTime() + ctx.counts.debounceSeconds * 1000,
    // School records show the current period only; the "(no school)" bucket is never written.
    marksDirty: (state: TicketCountState) => state.period === current && state.school !== NO_SCHOOL,
  };
  await runWithConcurrency(moves, REDIS_CONCURRENCY, async (move) => {
    if (await ctx.moveTicketCount(move.recId, move.state, options)) result.counted++;
    else result.alreadyCounted++;
  });
  return result;
}
