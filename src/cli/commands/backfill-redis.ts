import type { Redis } from 'ioredis';
import { coerceError } from '../../domain/index.js';

/**
 * ioredis' answers while Redis is away: the fail-fast producer connection ("Stream isn't writeable and
 * enableOfflineQueue options is false", "Reached the max retries per request limit"), a connection that
 * was closed under a command, and the socket errors themselves.
 */
const UNAVAILABLE =
  /Stream isn't writeable|max retries per request|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection timeout/i;

export function isRedisUnavailable(err: unknown): boolean {
  return UNAVAILABLE.test(coerceError(err).message);
}

/** Why a backfill stops before it is done. */
export type StopReason = 'timeout' | 'interrupted' | 'redis';

/** Thrown out of a wait when the backfill is told to stop (timeout, Ctrl-C) or Redis stays away. */
export class BackfillStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`backfill stopped: ${reason}`);
  }
}

export interface RedisWaitOptions {
  /** The connections a backfill uses; all must be ready again. */
  connections: readonly Redis[];
  /** How long one outage may last before the backfill gives up. */
  waitMs: number;
  /** Monotonic ms (performance.now): a timeout, never a date. */
  monotonicMs: () => number;
  /** Messages for people (stderr). */
  say: (line: string) => void;
  /** Set once the backfill must stop: a wait in progress ends with BackfillStopped. */
  stopReason: () => StopReason | null;
  /** Called once Redis answers again, before the interrupted step is retried (e.g. detect a data loss). */
  onBack?: () => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

const POLL_MS = 250;

/**
 * `run(what, step)` runs a Redis step; when Redis is away it says so once, waits (bounded) until every
 * connection is ready and answers a PING, says so again, and retries the step. The worker in the same
 * process recovers by itself (ioredis reconnects; BullMQ keeps going): this only keeps the backfill's own
 * steps (enqueue, queue counts, count writes) from dying on the outage.
 */
export function createRedisWaiter(options: RedisWaitOptions) {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let outages = 0;
  let waiting: Promise<void> | null = null;

  async function waitForRedis(what: string, err: unknown): Promise<void> {
    outages++;
    const startedAt = options.monotonicMs();
    const seconds = Math.round(options.waitMs / 1000);
    options.say(
      `Redis is unreachable while ${what} (${coerceError(err).message.split('\n')[0]}); ` +
        `waiting up to ${seconds} s for it to come back (--redis-wait). Queued jobs stay queued in Redis.`,
    );
    for (;;) {
      const stop = options.stopReason();
      if (stop) throw new BackfillStopped(stop);
      if (options.monotonicMs() - startedAt > options.waitMs) {
        options.say(`Redis did not come back within ${seconds} s; stopping the backfill.`);
        throw new BackfillStopped('redis');
      }
      if (options.connections.every((c) => c.status === 'ready')) {
        const answered = await Promise.all(options.connections.map((c) => c.ping().then(() => true)))
          .then(() => true)
          .catch(() => false);
        if (answered) break;
      }
      await sleep(POLL_MS);
    }
    options.say(
      `Redis is back after ${((options.monotonicMs() - startedAt) / 1000).toFixed(1)} s; resuming the backfill.`,
    );
    backCheck = true;
  }

  /** onBack once per outage, whichever step noticed it first (steps run side by side). */
  let backCheck = false;
  let backRunning: Promise<void> | null = null;
  async function afterOutage(): Promise<void> {
    if (backRunning) return backRunning;
    if (!backCheck) return;
    backRunning = (async () => {
      await options.onBack?.();
      backCheck = false;
    })().finally(() => (backRunning = null));
    return backRunning;
  }

  return {
    async run<T>(what: string, step: () => Promise<T>): Promise<T> {
      for (;;) {
        try {
          await afterOutage();
          return await step();
        } catch (err) {
          if (err instanceof BackfillStopped || !isRedisUnavailable(err)) throw err;
          // Steps side by side share one wait (and one message) per outage.
          waiting ??= waitForRedis(what, err).finally(() => (waiting = null));
          await waiting;
        }
      }
    },
    /** How many outages were waited out. */
    outages: () => outages,
  };
}

export type RedisWaiter = ReturnType<typeof createRedisWaiter>;
