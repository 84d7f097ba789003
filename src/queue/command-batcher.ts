import type { ChainableCommander, Redis } from 'ioredis';

/** A Lua script run through the batcher (ioredis defineCommand: EVALSHA with an EVAL fallback). */
export interface BatchedScript {
  numberOfKeys: number;
  lua: string;
}

/**
 * Sends the store commands issued during one turn of the event loop as one Redis pipeline: with
 * many jobs in flight, the per-job SET and HDEL of the ticket stores then cost one socket write
 * for all of them instead of one each. Only our own commands go through it: BullMQ's connection is
 * shared but its commands are not batched (ioredis' enableAutoPipelining is not used for that reason).
 * Each caller gets its own command's answer or error, as if it had sent it alone.
 *
 * The batcher of a shared connection (commandBatcherFor) sends on a connection of its own, a
 * duplicate of the shared one opened at its first command: ioredis copies every script registered on
 * a connection into each pipeline it builds, and BullMQ registers its scripts (several dozen) on the shared
 * one. The duplicate holds only the scripts defined through the batcher and is closed when the
 * shared connection ends (quit or disconnect), so a process closes the same connections as before.
 */
export interface CommandBatcher {
  run<T>(add: (pipeline: ChainableCommander) => unknown): Promise<T>;
  /** Registers a script under `name` on the connection the batcher sends on (once per name). */
  defineCommand(name: string, script: BatchedScript): void;
}

const byConnection = new WeakMap<Redis, CommandBatcher>();

/** The one batcher of a connection, so that every store on it shares the same pipeline. */
export function commandBatcherFor(redis: Redis): CommandBatcher {
  let batcher = byConnection.get(redis);
  if (!batcher) {
    batcher = createCommandBatcher(redis, () => ownConnectionOf(redis));
    byConnection.set(redis, batcher);
  }
  return batcher;
}

/**
 * A duplicate of `shared` (same address, options, retry strategy; a Cluster duplicates as a Cluster)
 * that ends when `shared` ends; its errors are reported on `shared`, where the owner listens. A
 * shared connection that has already ended is used as it is (its commands fail as they did).
 */
function ownConnectionOf(shared: Redis): Redis {
  if (shared.status === 'end') return shared;
  const own = shared.duplicate();
  own.on('error', (err: unknown) => {
    if (shared.listenerCount('error') > 0) shared.emit('error', err);
  });
  shared.once('end', () => {
    own.quit().catch(() => own.disconnect());
  });
  return own;
}

/**
 * A batcher sending on `redis`, or on the connection `connect` opens at the first command (then the
 * scripts defined before it are registered on that connection).
 */
export function createCommandBatcher(redis: Redis, connect?: () => Redis): CommandBatcher {
  const scripts = new Map<string, BatchedScript>();
  let target: Redis | null = connect ? null : redis;
  const define = (connection: Redis, name: string, script: BatchedScript): void => {
    if (!(name in connection)) connection.defineCommand(name, script);
  };
  const connection = (): Redis => {
    if (!target) {
      target = connect!();
      for (const [name, script] of scripts) define(target, name, script);
    }
    return target;
  };
  type Waiting = {
    add: (pipeline: ChainableCommander) => unknown;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  };
  let waiting: Waiting[] = [];
  const flush = () => {
    const callers = waiting;
    waiting = [];
    const redis = connection();
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
    defineCommand(name: string, script: BatchedScript): void {
      scripts.set(name, script);
      if (target) define(target, name, script);
    },
    run<T>(add: (pipeline: ChainableCommander) => unknown): Promise<T> {
      if (waiting.length === 0) setImmediate(flush);
      return new Promise<T>((resolve, reject) => {
        waiting.push({ add, resolve: resolve as (v: unknown) => void, reject });
      });
    },
  };
}
