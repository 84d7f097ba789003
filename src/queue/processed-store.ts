import type { Redis } from 'ioredis';
import { commandBatcherFor } from './command-batcher.js';
import { queueKeys } from './queue-keys.js';

/**
 * Which version of each ticket we last finished (its LastModDateTime after our own write, or as read
 * when we wrote nothing). The poller skips a ticket whose current LastModDateTime equals it: that is our
 * own write echoing back, or a change already handled, and it costs no job, no read and no write.
 * Keys expire: HEAT remains the source of truth, and a lost entry costs one read, never a write.
 */
export interface ProcessedStore {
  mark(recId: string, lastModDateTime: string): Promise<void>;
  /** For each RecId, the version last processed (or null). */
  getMany(recIds: readonly string[]): Promise<Array<string | null>>;
}

export function createProcessedStore(redis: Redis, prefix: string, ttlSeconds = 14 * 86_400): ProcessedStore {
  const key = queueKeys(prefix).seen;
  // One SET per job, many jobs in flight: sent together (command-batcher.ts).
  const batch = commandBatcherFor(redis);
  return {
    async mark(recId, lastModDateTime) {
      await batch.run((p) => p.set(key(recId), lastModDateTime, 'EX', ttlSeconds));
    },
    async getMany(recIds) {
      if (recIds.length === 0) return [];
      return redis.mget(...recIds.map(key));
    },
  };
}
