import type { Redis } from 'ioredis';
import { queueKeys } from './queue-keys.js';

/**
 * Tickets whose job ran out of retries for a reason that may pass (HEAT down for longer than the
 * retries last, a failure after our PATCH). The poll watermark has moved past them and our own write
 * may hide them from the next poll, so each poll tick takes them back into the queue: they are retried
 * until they succeed or fail for good, however long the outage.
 */
export interface RetryStore {
  add(recId: string): Promise<void>;
  /** Removes and returns up to `max` RecIds. */
  take(max: number): Promise<string[]>;
  size(): Promise<number>;
}

export function createRetryStore(redis: Redis, prefix: string): RetryStore {
  const key = queueKeys(prefix).retry;
  return {
    async add(recId) {
      await redis.sadd(key, recId);
    },
    async take(max) {
      const taken = await redis.spop(key, max);
      return Array.isArray(taken) ? taken : taken ? [taken] : [];
    },
    size: () => redis.scard(key),
  };
}
