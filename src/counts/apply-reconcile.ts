import type { CountsContext } from './counts-context.js';
import { periodExpiresAt } from './period-expires-at.js';
import {
  countersOfStates,
  sameCounters,
  type ReconcilePlan,
  type SchoolRecordsPlan,
} from './plan-reconcile.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { NO_SCHOOL } from './school-counts.js';
import type { TicketCountState } from './ticket-count-state.js';
import type { SchoolCountsWriter } from './write-school-counts.js';

/** Lua calls sent side by side; each is one round trip, ioredis pipelines them on the connection. */
const REDIS_CONCURRENCY = 64;
const EXPIRE_CHUNK = 1000;
/** School PATCHes side by side; the HEAT client caps the real concurrency. */
const WRITE_CONCURRENCY = 4;

/** What only performing the plan can tell. */
export interface ReconcileApplied {
  countersRebuilt: boolean;
  schoolsWritten: number;
  schoolsFailed: number;
  schoolCachePruned: number;
}

/**
 * The apply step of reconcile: performs a plan against Redis (the atomic move script of every
 * record(), a WATCHed counter rebuild) and HEAT (the school records, through the writer).
 */
export function createReconcileApplier(ctx: CountsContext, writer: SchoolCountsWriter) {
  const { redis, keys } = ctx;

  /**
   * Sets every planned ticket state with the compare-and-set move script (safe while workers run: each
   * move re-reads the ticket's state atomically, so a record() in between is never undone by a stale read).
   */
  async function moveTickets(plan: ReconcilePlan, currentPeriod: string): Promise<void> {
    const expiresAt = periodExpiresAt(plan.period, ctx.counts);
    // Keys written before they had an expiry get one (the mover sets it on every write it makes).
    for (let i = 0; i < plan.expiryRefresh.length; i += EXPIRE_CHUNK) {
      const expiring = redis.pipeline();
      for (const recId of plan.expiryRefresh.slice(i, i + EXPIRE_CHUNK))
        expiring.expireat(keys.ticket(recId), expiresAt);
      await expiring.exec();
    }
    const options = {
      dueMs: ctx.now().getTime() + ctx.counts.debounceSeconds * 1000,
      // School records show the current period only; the "(no school)" bucket is never written.
      marksDirty: (state: TicketCountState) => state.period === currentPeriod && state.school !== NO_SCHOOL,
    };
    const moves: Array<[string, TicketCountState | null]> = [
      ...plan.corrections.map((m): [string, TicketCountState] => [m.recId, m.state]),
      ...plan.movesOut.map((m): [string, TicketCountState] => [m.recId, m.state]),
      ...plan.removals.map((recId): [string, null] => [recId, null]),
    ];
    await runWithConcurrency(moves, REDIS_CONCURRENCY, async ([recId, state]) => {
      await ctx.moveTicketCount(recId, state, options);
    });
  }

  /**
   * Rebuilds the period's hash from the tickets' stored states as Redis has them now (a record() since
   * the read is honoured), when the two still disagree. WATCH on a connection of its own, so a record()
   * in between aborts the rebuild and it is tried again on fresh data.
   */
  async function rebuildCounters(period: string): Promise<boolean> {
    const connection = redis.duplicate();
    try {
      for (let attempt = 0; attempt < 10; attempt++) {
        await connection.watch(keys.period(period), keys.members(period));
        const members = await connection.smembers(keys.members(period));
        const states = members.length > 0 ? await connection.mget(...members.map((m) => keys.ticket(m))) : [];
        const expected = countersOfStates(period, states);
        if (sameCounters(await connection.hgetall(keys.period(period)), expected)) {
          await connection.unwatch();
          return false;
        }
        const multi = connection.multi().del(keys.period(period));
        if (expected.size > 0) {
          multi.hset(keys.period(period), Object.fromEntries(expected));
          multi.expireat(keys.period(period), periodExpiresAt(period, ctx.counts));
        }
        if (await multi.exec()) return true;
      }
      throw new Error(
        `counters of ${period} kept changing during reconcile; run it again when the queue is quieter`,
      );
    } finally {
      connection.disconnect();
    }
  }

  /** Writes the planned school records (a refusal for one school does not stop the others), then prunes the caches. */
  async function writeSchoolRecords(schools: SchoolRecordsPlan) {
    const result = { schoolsWritten: 0, schoolsFailed: 0, schoolCachePruned: 0 };
    await runWithConcurrency(schools.writes, WRITE_CONCURRENCY, async (write) => {
      if (write.hasCounts) await redis.hset(keys.schoolRecIds, write.school, write.recId);
      try {
        if (await writer.writeSchoolRecord(write.school, write.recId, write.counts, write.record))
          result.schoolsWritten++;
      } catch (err) {
        result.schoolsFailed++;
        writer.logRefusal(write.school, err, 'reconciling counts');
      }
    });
    // Both hashes are caches (a lost entry costs one lookup or one full write): bound them to the
    // schools that have counts in the current period and a record in HEAT.
    const keep = new Set(schools.keepCached);
    for (const hash of [keys.written, keys.schoolRecIds]) {
      const stale = (await redis.hkeys(hash)).filter((school) => !keep.has(school));
      if (stale.length > 0) result.schoolCachePruned += await redis.hdel(hash, ...stale);
    }
    return result;
  }

  return async function applyReconcile(
    plan: ReconcilePlan,
    currentPeriod: string,
  ): Promise<ReconcileApplied> {
    await moveTickets(plan, currentPeriod);
    const countersRebuilt = plan.counters.rebuild ? await rebuildCounters(plan.period) : false;
    // Members and counters written before they had an expiry get one (idempotent: same instant).
    const expiresAt = periodExpiresAt(plan.period, ctx.counts);
    await redis.expireat(keys.members(plan.period), expiresAt);
    await redis.expireat(keys.period(plan.period), expiresAt);
    const schools = plan.schools
      ? await writeSchoolRecords(plan.schools)
      : { schoolsWritten: 0, schoolsFailed: 0, schoolCachePruned: 0 };
    return { countersRebuilt, ...schools };
  };
}
