import Fastify from 'fastify';
import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createAdminAuthHook, createHttpServer } from '../../../src/http/index.js';
import {
  createMetrics,
  createReadinessCheck,
  createSilentLogger,
  type ReadinessReport,
} from '../../../src/observability/index.js';

const NOW = new Date('2026-11-02T10:00:00Z');
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

function server(
  readiness: () => Promise<ReadinessReport>,
  extra: { bullBoardQueues?: Queue[]; adminToken?: string } = {},
) {
  const metrics = createMetrics();
  const built = createHttpServer({
    logger: createSilentLogger(),
    metrics,
    config: {
      bodyLimitBytes: 65_536,
      signatureWindowSeconds: 300,
      webhookToken: 'token-0123456789abcdef',
      adminToken: extra.adminToken,
    },
    enqueueTicket: async () => ({ jobId: '1', deduplicated: false }),
    resolveIncidentNumber: async () => null,
    readiness,
    ...(extra.bullBoardQueues ? { bullBoardQueues: extra.bullBoardQueues } : {}),
    now: () => NOW,
  });
  return { ...built, metrics };
}

describe('createHttpServer', () => {
  it('answers /healthz with 200 while the process is alive, whatever readiness says', async () => {
    const { app } = server(async () => {
      throw new Error('should not be asked');
    });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('answers /readyz 200 with the report when ready, 503 with the report when the worker stopped taking jobs', async () => {
    let workerRunning = true;
    const readiness = createReadinessCheck({
      pingRedis: async () => true,
      heatLastSuccessAt: () => NOW,
      queueProgress: async () => ({
        waiting: 2,
        active: 0,
        oldestWaitingAgeMs: 1_000,
        lastJobFinishedAt: NOW,
        workerRunning,
      }),
      staleHeatMs: 600_000,
      stuckAfterMs: 120_000,
      now: () => NOW,
    });
    const { app } = server(readiness);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, checks: { jobs: { ok: true } } });

    workerRunning = false;
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({
      ready: false,
      checks: { jobs: { ok: false, detail: expect.stringMatching(/worker is not running/) } },
    });
  });

  it('answers /readyz 503 when the readiness check itself throws', async () => {
    const { app } = server(async () => {
      throw new Error('boom');
    });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false });
  });

  it('serves /metrics in the Prometheus text format with the named metrics and webhook outcomes', async () => {
    const { app } = server(async () => ({ ready: true }) as ReadinessReport);
    await app.inject({
      method: 'POST',
      url: '/webhooks/heat',
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('sbt_webhook_requests_total{outcome="unsupported_media_type"} 1');
    for (const name of [
      'sbt_tickets_classified_total',
      'sbt_heat_calls_total',
      'sbt_queue_jobs',
      'sbt_poll_lag_seconds',
      'sbt_heat_budget_used_ratio',
    ]) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
  });

  it('wants ADMIN_TOKEN for /metrics when one is set', async () => {
    const { app } = server(async () => ({ ready: true }) as ReadinessReport, { adminToken: ADMIN_TOKEN });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const ok = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('sbt_jobs_total');
  });

  it('refuses to mount the queue dashboard without ADMIN_TOKEN', () => {
    expect(() => server(async () => ({ ready: true }) as ReadinessReport, { bullBoardQueues: [] })).toThrow(
      /ADMIN_TOKEN/,
    );
  });

  it('does not mount the dashboard when no queues are given', async () => {
    const { app } = server(async () => ({ ready: true }) as ReadinessReport, { adminToken: ADMIN_TOKEN });
    const res = await app.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('createAdminAuthHook', () => {
  async function app() {
    const instance = Fastify();
    instance.addHook('onRequest', createAdminAuthHook(ADMIN_TOKEN));
    instance.get('/admin/x', async () => ({ secret: 'dashboard' }));
    await instance.ready();
    return instance;
  }

  it('lets a Bearer token or Basic credentials with the token as password through', async () => {
    const a = await app();
    expect(
      (await a.inject({ url: '/admin/x', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).statusCode,
    ).toBe(200);
    const basic = Buffer.from(`ops:${ADMIN_TOKEN}`).toString('base64');
    expect(
      (await a.inject({ url: '/admin/x', headers: { authorization: `Basic ${basic}` } })).statusCode,
    ).toBe(200);
  });

  it('refuses anything else with 401 and a Basic challenge, without running the route', async () => {
    const a = await app();
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${ADMIN_TOKEN}x`,
      `Basic ${Buffer.from('ops:wrong').toString('base64')}`,
      ADMIN_TOKEN,
    ]) {
      const res = await a.inject({ url: '/admin/x', headers: authorization ? { authorization } : {} });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect(res.body).not.toContain('dashboard');
    }
  });

  it('throws at creation without a token', () => {
    expect(() => createAdminAuthHook(undefined)).toThrow(/ADMIN_TOKEN/);
    expect(() => createAdminAuthHook('')).toThrow(/ADMIN_TOKEN/);
  });
});
