import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceConfigSchema } from '../../src/config/index.js';
import { COUNTS_QUEUE, createCountsService, type CountsService } from '../../src/counts/index.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../../tools/devtools/index.js';
import { HeatApiError, type HeatClient } from '../../src/heat/index.js';
import { createLogger } from '../../src/observability/index.js';

/** HEAT is unreachable too: every call fails as a network error would. */
const heatDown = new Proxy({} as HeatClient, {
  get: (_t, name) => {
    if (name === 'stats') return () => ({ day: '', calls: 0, budget: 0, byMethod: {} });
    return () =>
      Promise.reject(
        new HeatApiError({ status: 0, networkCode: 'ECONNREFUSED', method: 'GET', path: `/${String(name)}` }),
      );
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** 'done' when the promise settles within `ms`, otherwise 'still waiting'. */
const within = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => 'done'), sleep(ms).then(() => 'still waiting')]);

describe('counts service start', () => {
  let server: ThrowawayRedis | undefined;
  let redis: Redis | undefined;
  let counts: CountsService | undefined;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  afterEach(async () => {
    await counts?.stop();
    redis?.disconnect();
    await server?.stop();
    process.off('unhandledRejection', onRejection);
  });

  it('survives Redis and HEAT being away at start, and registers the nightly scheduler once Redis is back', async () => {
    process.on('unhandledRejection', onRejection);
    // A Redis of this test's own, on a port that refuses connections until it is started again.
    server = await startThrowawayRedis();
    const port = server.port;
    await server.stop();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    const log = new PassThrough();
    let logged = '';
    log.on('data', (chunk: Buffer) => (logged += chunk.toString()));
    const prefix = `{counts-start-${randomUUID()}}`;
    counts = createCountsService({
      redis,
      heat: heatDown,
      logger: createLogger({ level: 'warn', stream: log }),
      config: serviceConfigSchema.parse({ queue: { prefix }, counts: { debounceSeconds: 0 } }),
      writerTickMs: 50,
    });

    expect(await within(counts.start(), 2000)).toBe('done');
    await sleep(600); // writer ticks and reconnect attempts fail meanwhile
    expect(await within(counts.started(), 10)).toBe('still waiting');
    // The throttled listeners log connection errors once per source, never a raw stack.
    expect(logged).toContain('"event":"connection_error"');
    expect(logged).toContain('"source":"redis-counts"');

    server = await startThrowawayRedis({ port });
    expect(await within(counts.started(), 15_000)).toBe('done');
    const connection = new Redis(server.url, { maxRetriesPerRequest: null });
    const queue = new Queue(COUNTS_QUEUE, { connection, prefix });
    try {
      expect(await queue.getJobSchedulers()).toHaveLength(1);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    expect(await within(counts.stop(), 5000)).toBe('done');
    expect(rejections).toEqual([]);
  }, 40_000);

  it('stops promptly while Redis is still away', async () => {
    process.on('unhandledRejection', onRejection);
    server = await startThrowawayRedis();
    await server.stop();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    counts = createCountsService({
      redis,
      heat: heatDown,
      logger: createLogger({ level: 'error', stream: new PassThrough() }),
      config: serviceConfigSchema.parse({ queue: { prefix: `{counts-start-${randomUUID()}}` } }),
      writerTickMs: 50,
    });
    await counts.start();
    await sleep(300);
    expect(await within(counts.stop(), 5000)).toBe('done');
    await sleep(200);
    expect(rejections).toEqual([]);
  }, 20_000);
});
