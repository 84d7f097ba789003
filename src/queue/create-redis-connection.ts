import { Redis } from 'ioredis';

export type RedisRole = 'worker' | 'producer';

/**
 * ioredis connections as BullMQ's production guide asks: workers retry forever
 * (`maxRetriesPerRequest: null`, required for blocking commands) so that a Redis restart is survived
 * without a manual step; producers fail fast (no offline queue, one retry) so that a webhook answers
 * 503 instead of hanging when Redis is down.
 */
export function createRedisConnection(url: string, role: RedisRole): Redis {
  const common = {
    lazyConnect: false,
    connectionName: `sbt-router:${role}`,
    retryStrategy: (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 5_000),
  };
  if (role === 'worker') {
    return new Redis(url, { ...common, maxRetriesPerRequest: null, enableReadyCheck: true });
  }
  return new Redis(url, {
    ...common,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
  });
}
