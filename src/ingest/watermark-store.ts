import type { Redis } from 'ioredis';

/** The poll watermark (newest LastModDateTime fully enqueued), kept in Redis so restarts resume. */
export interface WatermarkStore {
  get(): Promise<string | null>;
  /** Moves forward only: an older value is ignored. */
  advance(iso: string): Promise<void>;
  reset(): Promise<void>;
}

const ADVANCE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[2]) or '0') then
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[2], ARGV[1])
  return 1
end
return 0`;

export function createWatermarkStore(redis: Redis, prefix: string): WatermarkStore {
  const key = `${prefix}:poll:watermark`;
  const msKey = `${prefix}:poll:watermark-ms`;
  return {
    get: () => redis.get(key),
    async advance(iso) {
      const ms = Date.parse(iso);
      if (Number.isNaN(ms)) throw new Error(`invalid watermark ${iso}`);
      await redis.eval(ADVANCE_SCRIPT, 2, key, msKey, String(ms), iso);
    },
    async reset() {
      await redis.del(key, msKey);
    },
  };
}
