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
import { waitUntil } from '../support/cli-process.js';

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

/** 'done' when the promise settles within `ms` (a bound, not a wait), otherwise 'still waiting'. */
const within = (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(() => 'done'),
    new Promise((r) => setTimeout(r, ms)).then(() => 'still waiting'),
  ]);

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
    // Reconnect attempts fail meanwhile; the throttled listeners log them once per source, never a raw stack.
    await waitUntil(
      () => logged.includes('"event":"connection_error"') && logged.includes('"source":"redis-counts"'),
      10_000,
      'a Redis connection error logged',
      () => logged,
    );
    expect(await within(counts.started(), 10)).toBe('still waiting');

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
    let reconnects = 0;
    redis.on('reconnecting', () => (reconnects += 1));
    counts = createCountsService({
      redis,
      heat: heatDown,
      logger: createLogger({ level: 'error', stream: new PassThrough() }),
      config: serviceConfigSchema.parse({ queue: { prefix: `{counts-start-${randomUUID()}}` } }),
      writerTickMs: 50,
    });
    await counts.start();
    // Stop while the connection is retrying (a few attempts failed already)...
    await waitUntil(() => reconnects >= 2, 5_000, 'two reconnect attempts');
    expect(await within(counts.stop(), 5000)).toBe('done');
    // ...and let two more attempts fail after the stop: a rejection left behind would surface by then.
    const atStop = reconnects;
    await waitUntil(() => reconnects >= atStop + 2, 5_000, 'two reconnect attempts after the stop');
    expect(rejections).toEqual([]);
  }, 20_000);
});
