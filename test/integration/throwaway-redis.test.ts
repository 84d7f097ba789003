import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrowawayRedis, type ThrowawayRedis } from '../../tools/devtools/index.js';

describe('startThrowawayRedis with a data folder (the fault suite kills Redis and starts it again)', () => {
  let redis: ThrowawayRedis | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sbt-redis-data-'));
  afterEach(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what was written through a SIGKILL, on the same port', async () => {
    redis = await startThrowawayRedis({ dataDir: dir });
    const port = redis.port;
    const before = new Redis(redis.url);
    await before.set('k', 'v1');
    await before.rpush('list', 'a', 'b');
    before.disconnect();
    await redis.kill();
    redis = await startThrowawayRedis({ dataDir: dir, port });
    const after = new Redis(redis.url);
    try {
      expect(await after.get('k')).toBe('v1');
      expect(await after.lrange('list', 0, -1)).toEqual(['a', 'b']);
    } finally {
      after.disconnect();
    }
  });
});
