import type { Redis } from 'ioredis';

/** Deletes every key of a test's prefix (the test Redis is shared by all test files); returns how many. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  return keys.length;
}
