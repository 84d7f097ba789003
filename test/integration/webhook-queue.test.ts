import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createHttpServer } from '../../src/http/index.js';
import {
  createMetrics,
  createReadinessCheck,
  createSilentLogger,
  type QueueProgress,
} from '../../src/observability/index.js';
import {
  createRedisConnection,
  createTicketQueue,
  createTicketWorker,
  type TicketQueue,
} from '../../src/queue/index.js';

const TOKEN = 'integration-token-0123456789';
const ADMIN_TOKEN = 'integration-admin-0123456789';
const METRICS_TOKEN = 'integration-metrics-0123456789';
const REC_ID = '0A8C2F1B3D4E5F60718293A4B5C6D7E8';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0)
    await cleanups
      .pop()?.()
      .catch(() => undefined);
});

/** A queue on the shared throwaway Redis with its own prefix, obliterated afterwards. */
function ticketQueue(): { tickets: TicketQueue; prefix: string; connection: Redis } {
  const prefix = `{sbt-webhook-${randomBytes(4).toString('hex')}}`;
  const connection = createRedisConnection(inject('redisUrl'), 'producer');
  const tickets = createTicketQueue({ connection, prefix, attempts: 1, backoffMs: 10 });
  cleanups.push(async () => {
    await tickets.queue.obliterate({ force: true });
    await tickets.close();
    connection.disconnect();
  });
  return { tickets, prefix, connection };
}

function server(enqueueTicket: TicketQueue['enqueue'], extra: { bullBoardQueues?: Queue[] } = {}) {
  const built = createHttpServer({
    logger: createSilentLogger(),
    metrics: createMetrics(),
    config: {
      bodyLimitBytes: 65_536,
      signatureWindowSeconds: 300,
      webhookToken: TOKEN,
      adminToken: ADMIN_TOKEN,
      metricsToken: METRICS_TOKEN,
      upstreamTimeoutMs: 1_000,
    },
    enqueueTicket: (input) => enqueueTicket(input),
    resolveIncidentNumber: async () => null,
    readiness: async () => ({ ready: true }) as never,
    ...extra,
  });
  cleanups.push(() => built.close());
  return built.app;
}

const postRecId = (app: ReturnType<typeof server>, recId: string) =>
  app.inject({
    method: 'POST',
    url: '/webhooks/heat',
    headers: { 'content-type': 'application/json', 'x-sbt-token': TOKEN },
    payload: JSON.stringify({ RecId: recId }),
  });

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('webhook -> real BullMQ queue', () => {
  it('queues one ids-only job, and a second webhook plus a poll for the same ticket collapse into it', async () => {
    const { tickets } = ticketQueue();
    const app = server(tickets.enqueue);

    const first = await postRecId(app, REC_ID.toLowerCase());
    expect(first.statusCode).toBe(202);
    const again = await postRecId(app, REC_ID);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ jobId: first.json().jobId, deduplicated: true });
    await tickets.enqueue({ recId: REC_ID, source: 'poll', lastModDateTime: '2026-11-02T10:00:00Z' });

    const waiting = await tickets.queue.getWaiting();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.data).toMatchObject({ v: 1, recId: REC_ID, source: 'webhook' });
    expect(Object.keys(waiting[0]?.data ?? {}).sort()).toEqual(['recId', 'receivedAt', 'source', 'v']);
  });

  it('refused requests leave Redis untouched', async () => {
    const { tickets } = ticketQueue();
    const app = server(tickets.enqueue);
    const bad = await app.inject({
      method: 'POST',
      url: '/webhooks/heat',
      headers: { 'content-type': 'application/json', 'x-sbt-token': 'wrong-token-0123456789' },
      payload: JSON.stringify({ RecId: REC_ID }),
    });
    expect(bad.statusCode).toBe(401);
    expect((await postRecId(app, 'not-a-rec-id')).statusCode).toBe(400);
    expect(await tickets.queue.count()).toBe(0);
  });

  it('answers 503 instead of hanging when Redis is unreachable (fail-fast producer)', async () => {
    const connection = createRedisConnection(`redis://127.0.0.1:${await deadPort()}`, 'producer');
    connection.on('error', () => undefined);
    const tickets = createTicketQueue({ connection, prefix: '{sbt-dead}', attempts: 1, backoffMs: 10 });
    tickets.queue.on('error', () => undefined);
    cleanups.push(async () => {
      connection.disconnect();
      await Promise.race([tickets.close(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    });
    const app = server(tickets.enqueue);
    const res = await postRecId(app, REC_ID);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
  });
});

describe('queue dashboard', () => {
  it('serves bull-board at /admin/queues only with ADMIN_TOKEN', async () => {
    const { tickets } = ticketQueue();
    const app = server(tickets.enqueue, { bullBoardQueues: [tickets.queue] });
    await postRecId(app, REC_ID);

    const anonymous = await app.inject({ method: 'GET', url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
    const anonymousApi = await app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
    expect(anonymousApi.statusCode).toBe(401);

    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const page = await app.inject({ method: 'GET', url: '/admin/queues', headers: auth });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: auth });
    expect(api.statusCode).toBe(200);
    const names = (api.json() as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toContain('tickets');
  });

  it('METRICS_TOKEN reads /metrics but never opens the dashboard; ADMIN_TOKEN opens both', async () => {
    const { tickets } = ticketQueue();
    const app = server(tickets.enqueue, { bullBoardQueues: [tickets.queue] });
    const get = (url: string, token: string) =>
      app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    expect((await get('/metrics', METRICS_TOKEN)).statusCode).toBe(200);
    expect((await get('/admin/queues', METRICS_TOKEN)).statusCode).toBe(401);
    expect((await get('/admin/queues/api/queues', METRICS_TOKEN)).statusCode).toBe(401);
    expect((await get('/metrics', ADMIN_TOKEN)).statusCode).toBe(200);
    expect((await get('/admin/queues', ADMIN_TOKEN)).statusCode).toBe(200);
  });
});

describe('readiness against a real worker', () => {
  it('turns false when the worker is connected but stopped taking jobs, and true again when jobs move', async () => {
    const { tickets, prefix } = ticketQueue();
    const workerConnection = createRedisConnection(inject('redisUrl'), 'worker');
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The readiness check's clock, pinned and moved by hand (no real date decides "stuck").
    let clockMs = Date.parse('2026-11-20T15:00:00Z');
    const clock = () => new Date(clockMs);
    let lastJobFinishedAt: Date | null = null;
    // Concurrency 1 and a handler that never returns: the worker holds its one slot, connected but stuck.
    const worker = createTicketWorker({
      connection: workerConnection,
      prefix,
      concurrency: 1,
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      logger: createSilentLogger(),
      handler: async () => blocked,
      isPermanent: () => false,
    });
    worker.on('completed', () => (lastJobFinishedAt = clock()));
    worker.on('failed', () => (lastJobFinishedAt = clock()));
    cleanups.push(async () => {
      release();
      await worker.close();
      workerConnection.disconnect();
    });

    const queueProgress = async (): Promise<QueueProgress> => {
      const counts = await tickets.queue.getJobCounts('waiting', 'active');
      const waiting = counts.waiting ?? 0;
      return {
        waiting,
        active: counts.active ?? 0,
        // Every job was queued at enqueuedAtMs on the pinned clock.
        oldestWaitingAgeMs: waiting > 0 ? clockMs - enqueuedAtMs : null,
        lastJobFinishedAt,
        workerRunning: worker.isRunning() && !worker.isPaused(),
      };
    };
    const readiness = createReadinessCheck({
      pingRedis: async () => (await workerConnection.ping()) === 'PONG',
      heatLastSuccessAt: clock,
      queueProgress,
      staleHeatMs: 600_000,
      stuckAfterMs: 400,
      now: clock,
    });

    const enqueuedAtMs = clockMs;
    await tickets.enqueue({ recId: 'A'.repeat(32), source: 'poll' });
    await tickets.enqueue({ recId: 'B'.repeat(32), source: 'poll' });
    await tickets.enqueue({ recId: 'C'.repeat(32), source: 'poll' });
    await waitFor(async () => (await tickets.queue.getActiveCount()) === 1);
    expect((await readiness()).ready).toBe(true);

    clockMs += 600; // longer than stuckAfterMs, nothing finished meanwhile
    const stuck = await readiness();
    expect(stuck.ready).toBe(false);
    expect(stuck.checks.jobs.detail).toMatch(/not progressing: 2 waiting/);

    release();
    await waitFor(
      async () =>
        (await tickets.queue.getWaitingCount()) === 0 && (await tickets.queue.getActiveCount()) === 0,
    );
    expect(await readiness()).toMatchObject({
      ready: true,
      checks: { redis: { ok: true }, jobs: { ok: true } },
    });

    await worker.close();
    const closed = await readiness();
    expect(closed.ready).toBe(false);
    expect(closed.checks.jobs.detail).toMatch(/worker is not running/);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
