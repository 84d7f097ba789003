import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Sends the store commands issued during one turn of the event loop as one Redis pipeline: with
 * many jobs in flight, the per-job SET and HDEL of the ticket stores then cost one socket write
 * for all of them instead of one each. Only our own commands go through it: BullMQ's connection is
 * shared but its commands are not batched (ioredis' enableAutoPipelining is not used for that reason).
 * Each caller gets its own command's answer or error, as if it had sent it alone.
 */
export interface CommandBatcher {
  run<T>(add: (pipeline: ChainableCommander) => unknown): Promise<T>;
}

const byConnection = new WeakMap<Redis, CommandBatcher>();

/** The one batcher of a connection, so that every store on it shares the same pipeline. */
export function commandBatcherFor(redis: Redis): CommandBatcher {
  let batcher = byConnection.get(redis);
  if (!batcher) {
    batcher = createCommandBatcher(redis);
    byConnection.set(redis, batcher);
  }
  return batcher;
}

export function createCommandBatcher(redis: Redis): CommandBatcher {
  type Waiting = {
    add: (pipeline: ChainableCommander) => unknown;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  };
  let waiting: Waiting[] = [];
  const flush = () => {
    const callers = waiting;
    waiting = [];
    if (callers.length === 1) {
      // Alone in its turn: sent as a plain command (an ioredis pipeline costs more to build than to send).
      const [only] = callers as [Waiting];
      try {
        Promise.resolve(only.add(redis as unknown as ChainableCommander)).then(only.resolve, only.reject);
      } catch (err) {
        only.reject(err);
      }
      return;
    }
    const batch = redis.pipeline();
    for (const c of callers) c.add(batch);
    batch.exec().then(
      (results) => {
        callers.forEach((c, i) => {
          const [err, value] = results?.[i] ?? [new Error('Redis gave no answer for a pipelined command')];
          if (err) c.reject(err);
          else c.resolve(value);
        });
      },
      (err: unknown) => callers.forEach((c) => c.reject(err)),
    );
  };
  return {
    run<T>(add: (pipeline: ChainableCommander) => unknown): Promise<T> {
      if (waiting.length === 0) setImmediate(flush);
      return new Promise<T>((resolve, reject) => {
        waiting.push({ add, resolve: resolve as (v: unknown) => void, reject });
      });
    },
  };
}
