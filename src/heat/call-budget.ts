import type { Redis } from 'ioredis';
import type { Logger } from '../observability/index.js';
import type { BudgetState, HeatBudgetStore, HeatCallStats } from './types.js';

/** Share of the daily budget at which backfill work slows down (the high-water mark). */
export const BUDGET_SLOW_RATIO = 0.8;
/** Shares of the daily budget that are logged once a day when the count crosses them. */
const LOGGED_RATIOS = [0.5, 0.8, 1] as const;
/** Longest wait for Redis before a HEAT call goes ahead counted locally (added to Redis later). */
const REDIS_TIMEOUT_MS = 500;
/** Longest wait for a connection still opening (a fail-fast one refuses commands until it is ready). */
const READY_WAIT_MS = 1_000;

/**
 * Waits (bounded) while `redis` is still connecting: the CLI's and the service's budget connection
 * fails fast, so a first read just after start-up would otherwise be refused and the day's total
 * taken from the fallback instead of from Redis. Goes on after the wait whatever the outcome.
 */
async function whenReady(redis: Redis): Promise<void> {
  const status = (redis as { status?: unknown }).status;
  if (status !== 'wait' && status !== 'connecting' && status !== 'connect') return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, READY_WAIT_MS);
    redis.once('ready', done);
  });
}
/** A count key outlives its day by this much, so that `status` can still show yesterday. */
const COUNT_TTL_SECONDS = 3 * 86_400;
/** A 429 without Retry-After waits this long; a Retry-After above the cap is capped. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;
export const MAX_RETRY_AFTER_MS = 3_600_000;
/** Backfill work waits this long per ticket above the high-water mark (below the pause). */
export const BACKFILL_SLOW_DELAY_MS = 2_000;

/** The budget's day: UTC (HEAT does not document in which zone its own daily counter rolls over). */
export function budgetDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The next UTC midnight after `date`. */
export function nextBudgetDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1));
}

export function budgetKeys(prefix: string, day: string): { count: string; backoff: string } {
  // One hash tag (the queue prefix, '{sbt}' by default): every key of a script lives in one cluster slot.
  return { count: `${prefix}:heat-budget:${day}`, backoff: `${prefix}:heat-backoff` };
}

/*
 * KEYS: count hash, backoff key. ARGV: ttl seconds, then method/count pairs.
 * Adds the calls, returns [total before, total after, backoff-until ms or false].
 */
const COUNT_SCRIPT = `
local before = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
local added = 0
for i = 2, #ARGV, 2 do
  local n = tonumber(ARGV[i + 1])
  redis.call('HINCRBY', KEYS[1], 'm:' .. ARGV[i], n)
  added = added + n
end
local after = redis.call('HINCRBY', KEYS[1], 'total', added)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
local backoff = redis.call('GET', KEYS[2])
return {before, after, backoff or false}
`;

const COUNT_COMMAND = 'sbtHeatBudgetCount';
type CountCommand = (...args: string[]) => Promise<[number, number, string | null]>;

/* KEYS: backoff key. ARGV: until ms, ttl ms. Moves the shared backoff later, never earlier. */
const BACKOFF_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return tonumber(ARGV[1])
end
return current
`;

export interface CallGate {
  /** HEAT asked every client to wait until then (ms since epoch; 0: no backoff). */
  backoffUntilMs: number;
}

export interface CallBudget {
  /** Counts one call (shared in Redis when configured) and says whether HEAT asked us to wait. */
  count(method: string): Promise<CallGate>;
  /** This process's calls today (per UTC day): what it cost, for its own reports. */
  stats(): HeatCallStats;
  /** The day's calls of every process sharing the budget, and what backfill work should do now. */
  state(): Promise<BudgetState>;
  /** HEAT answered 429 (or Retry-After): every client sharing the budget waits until `untilMs`. */
  backOff(untilMs: number): Promise<void>;
  close(): void;
}

export interface CallBudgetOptions {
  dailyCallBudget: number;
  now: () => Date;
  logger: Logger;
  /** Where the count is shared; without it each process counts for itself. */
  store?: HeatBudgetStore | undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** What backfill work should do at this count: go, slow down, or wait (for tomorrow or HEAT's backoff). */
export function budgetStateOf(input: {
  day: string;
  used: number;
  budget: number;
  shared: boolean;
  backoffUntilMs: number;
  now: Date;
}): BudgetState {
  const { used, budget, now } = input;
  const ratio = budget > 0 ? used / budget : 0;
  const level = ratio >= 1 ? 'paused' : ratio >= BUDGET_SLOW_RATIO ? 'slow' : 'normal';
  const resetsAt = nextBudgetDay(now);
  const backoff = input.backoffUntilMs > now.getTime() ? input.backoffUntilMs : 0;
  let backfillDelayMs = level === 'paused' ? resetsAt.getTime() - now.getTime() : 0;
  if (level === 'slow') backfillDelayMs = BACKFILL_SLOW_DELAY_MS;
  if (backoff) backfillDelayMs = Math.max(backfillDelayMs, backoff - now.getTime());
  return {
    day: input.day,
    used,
    budget,
    ratio: Math.round(ratio * 10_000) / 10_000,
    level,
    shared: input.shared,
    backoffUntil: backoff ? new Date(backoff).toISOString() : null,
    resetsAt: resetsAt.toISOString(),
    backfillDelayMs,
  };
}

/**
 * The HEAT call budget of heat.dailyCallBudget calls per UTC day. With a store, every client on the same
 * Redis and prefix (all replicas, and the CLI) adds to one count, and a throttling answer from HEAT
 * (429 / Retry-After) makes all of them wait. When Redis does not answer, calls go ahead and are
 * counted here, then added to Redis with the next call that reaches it.
 */
export function createCallBudget(options: CallBudgetOptions): CallBudget {
  const { dailyCallBudget: budget, now, logger, store } = options;
  const redis: Redis | undefined = store?.redis;
  // EVALSHA of the registered script (EVAL only when Redis does not know it yet): no script text per call.
  if (redis && !(COUNT_COMMAND in redis))
    redis.defineCommand(COUNT_COMMAND, { numberOfKeys: 2, lua: COUNT_SCRIPT });
  let day = budgetDay(now());
  let calls = 0;
  let byMethod: Record<string, number> = {};
  /** Calls not yet added to Redis (it did not answer), by method. */
  let pending: Record<string, number> = {};
  /** The shared total as last seen (or this process's own count without a store). */
  let lastShared = 0;
  /** Whether a shared total has been read from Redis (today or before): else lastShared is no estimate. */
  let sharedSeen = false;
  let localBackoffUntil = 0;
  let loggedLocally = new Set<number>();

  function rollDay(): void {
    const today = budgetDay(now());
    if (today === day) return;
    day = today;
    calls = 0;
    byMethod = {};
    pending = {};
    lastShared = 0;
    loggedLocally = new Set();
  }

  function logCrossings(before: number, after: number): void {
    for (const share of LOGGED_RATIOS) {
      const mark = Math.ceil(share * budget);
      if (before >= mark || after < mark || loggedLocally.has(share)) continue;
      loggedLocally.add(share);
      const fields = {
        event: 'heat_budget',
        day,
        calls: after,
        budget,
        percent: Math.round(share * 100),
        shared: Boolean(store),
      };
      if (share >= 1) {
        // HEAT slows (does not refuse) tenants past 100,000 calls a day: live work goes on.
        logger.warn(
          'HEAT daily call budget used up: backfill work pauses until the next UTC day; live tickets go on',
          fields,
        );
      } else if (share >= BUDGET_SLOW_RATIO) {
        logger.warn('HEAT daily call budget at the high-water mark: backfill work slows down', fields);
      } else {
        logger.info('HEAT daily call budget half used', fields);
      }
    }
  }

  /** Calls counted in this turn of the event loop, sent to Redis together (one script run). */
  let batch: { methods: Record<string, number>; waiters: Array<() => void> } | null = null;

  /** Adds `toAdd` (calls by method) to the shared count; the before/after totals and HEAT's backoff. */
  async function addToRedis(
    toAdd: Record<string, number>,
  ): Promise<{ before: number; after: number; backoff: number }> {
    const keys = budgetKeys(store!.prefix, day);
    const args = [String(COUNT_TTL_SECONDS), ...Object.entries(toAdd).flatMap(([m, n]) => [m, String(n)])];
    const run = (redis as unknown as Record<string, CountCommand>)[COUNT_COMMAND] as CountCommand;
    await whenReady(redis!);
    const reply = await withTimeout(run.call(redis, keys.count, keys.backoff, ...args), REDIS_TIMEOUT_MS);
    return { before: Number(reply[0]), after: Number(reply[1]), backoff: Number(reply[2] ?? 0) };
  }

  /**
   * Sends the calls counted since the last flush, plus those Redis missed earlier, as one script run:
   * with many requests in flight that is one round trip for all of them. Every caller of the batch
   * gets the same answer; a mark crossed by the batch is logged once (HINCRBY is atomic across clients).
   */
  function flushBatch(): void {
    const current = batch!;
    batch = null;
    const sent = { ...pending };
    for (const [m, n] of Object.entries(current.methods)) sent[m] = (sent[m] ?? 0) + n;
    pending = {};
    addToRedis(sent).then(
      (r) => {
        lastShared = r.after;
        sharedSeen = true;
        logCrossings(r.before, r.after);
        localBackoffUntil = Math.max(localBackoffUntil, r.backoff);
        for (const w of current.waiters) w();
      },
      () => {
        // Counted locally, added to Redis with the next batch that reaches it.
        for (const [m, k] of Object.entries(sent)) pending[m] = (pending[m] ?? 0) + k;
        lastShared += current.waiters.length;
        for (const w of current.waiters) w();
      },
    );
  }

  function countInRedis(method: string): Promise<void> {
    if (!batch) {
      batch = { methods: {}, waiters: [] };
      setImmediate(flushBatch);
    }
    batch.methods[method] = (batch.methods[method] ?? 0) + 1;
    return new Promise<void>((resolve) => batch!.waiters.push(resolve));
  }

  return {
    async count(method) {
      rollDay();
      calls += 1;
      byMethod[method] = (byMethod[method] ?? 0) + 1;
      if (!redis) {
        logCrossings(calls - 1, calls);
        lastShared = calls;
        return { backoffUntilMs: localBackoffUntil };
      }
      // Exactly one batch sees a mark crossed (HINCRBY is atomic), so each line is logged once a day.
      await countInRedis(method);
      return { backoffUntilMs: localBackoffUntil };
    },
    stats() {
      rollDay();
      return { day, calls, budget, byMethod: { ...byMethod } };
    },
    async state() {
      rollDay();
      const at = now();
      if (!redis) {
        return budgetStateOf({
          day,
          used: calls,
          budget,
          shared: false,
          backoffUntilMs: localBackoffUntil,
          now: at,
        });
      }
      const keys = budgetKeys(store!.prefix, day);
      try {
        await whenReady(redis);
        const [total, backoff] = await withTimeout(
          Promise.all([redis.hget(keys.count, 'total'), redis.get(keys.backoff)]),
          REDIS_TIMEOUT_MS,
        );
        const pendingCalls = Object.values(pending).reduce((a, b) => a + b, 0);
        lastShared = Number(total ?? 0) + pendingCalls;
        localBackoffUntil = Math.max(localBackoffUntil, Number(backoff ?? 0));
        sharedSeen = true;
      } catch {
        // Redis unreachable (or slower than REDIS_TIMEOUT_MS): the last total seen plus this process's
        // calls since is the best estimate. Before any total was seen there is none: the backfill then
        // goes at the high-water mark's pace (2 s a turn) rather than as if the day were unspent.
        if (!sharedSeen) {
          return budgetStateOf({
            day,
            used: Math.max(lastShared, Math.ceil(budget * BUDGET_SLOW_RATIO)),
            budget,
            shared: true,
            backoffUntilMs: localBackoffUntil,
            now: at,
          });
        }
      }
      return budgetStateOf({
        day,
        used: lastShared,
        budget,
        shared: true,
        backoffUntilMs: localBackoffUntil,
        now: at,
      });
    },
    async backOff(untilMs) {
      localBackoffUntil = Math.max(localBackoffUntil, untilMs);
      if (!redis) return;
      const ttl = Math.max(1, untilMs - now().getTime());
      try {
        const shared = await withTimeout(
          redis.eval(BACKOFF_SCRIPT, 1, budgetKeys(store!.prefix, day).backoff, String(untilMs), String(ttl)),
          REDIS_TIMEOUT_MS,
        );
        localBackoffUntil = Math.max(localBackoffUntil, Number(shared));
      } catch {
        // This process backs off anyway; the others find out from HEAT's own answer.
      }
    },
    close() {
      if (store?.closeWithClient) store.redis.disconnect();
    },
  };
}

/**
 * The shared budget as Redis holds it, without a HEAT client (`sbt-router status`). Calls a process made
 * while Redis did not answer are not in it until that process reaches Redis again.
 */
export async function readSharedBudget(
  redis: Redis,
  prefix: string,
  dailyCallBudget: number,
  now: Date = new Date(),
): Promise<BudgetState> {
  const day = budgetDay(now);
  const keys = budgetKeys(prefix, day);
  const [total, backoff] = await Promise.all([redis.hget(keys.count, 'total'), redis.get(keys.backoff)]);
  return budgetStateOf({
    day,
    used: Number(total ?? 0),
    budget: dailyCallBudget,
    shared: true,
    backoffUntilMs: Number(backoff ?? 0),
    now,
  });
}
