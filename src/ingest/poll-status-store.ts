import type { Redis } from 'ioredis';

/** When a poll tick last finished: in Redis, so that every replica's readiness sees any replica's poll. */
export interface PollStatusStore {
  /** Records a finished tick (a failed write is ignored: the next tick writes again). */
  recordSuccess(at: Date): void;
  /** The last tick any replica finished (null before the first). */
  lastSuccessAt(): Promise<Date | null>;
  /** The last tick this process finished (for its metrics). */
  lastLocalSuccessAt(): Date | null;
}

export function createPollStatusStore(redis: Redis, prefix: string): PollStatusStore {
  const key = `${prefix}:poll:last-success`;
  let local: Date | null = null;
  return {
    recordSuccess(at) {
      local = at;
      redis.set(key, at.toISOString()).catch(() => undefined);
    },
    async lastSuccessAt() {
      const stored = await redis.get(key);
      return stored ? new Date(stored) : null;
    },
    lastLocalSuccessAt: () => local,
  };
}
