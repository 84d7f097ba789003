import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { signWebhookBody } from '../../src/ingest/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { startHttpForService } from '../../src/service/index.js';
import type { ServiceOverrides } from '../support/with-service-overrides.js';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';
import { waitFor } from '../support/cli-process.js';

const redisUrl = inject('redisUrl');
const TOKEN = 'abuse-webhook-token-0123456789';
const SECRET = 'abuse-webhook-secret-0123456789';
const NOW = new Date('2026-11-02T10:00:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

let fx: PipelineFixture | undefined;
let closeHttp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeHttp?.();
  await fx?.close();
  fx = undefined;
  closeHttp = undefined;
});

/** The pipeline (simulator, real Redis, worker) plus its HTTP face on a clock the test moves. */
async function start(service: ServiceOverrides = {}) {
  let clock = NOW.getTime();
  fx = await startPipeline(redisUrl, {
    sim: { seed: 51, tickets: 3 },
    env: { WEBHOOK_TOKEN: TOKEN, WEBHOOK_HMAC_SECRET: SECRET },
    service,
  });
  const http = await startHttpForService(fx.service, fx.config, createSilentLogger(), {
    port: 0,
    host: '127.0.0.1',
    now: () => new Date(clock),
  });
  closeHttp = () => http.close();
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${http.url}/webhooks/heat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  return { fx, post, advance: (ms: number) => (clock += ms) };
}

const route = (fixture: PipelineFixture, name: string) => fixture.sim.stats().byRoute[name] ?? 0;

describe('webhook abuse guards (real Redis, HEAT simulator)', () => {
  it('a captured signed request replayed 20 times costs one job and one HEAT read', async () => {
    // A burst above the 21 requests sent: this test is about replays, not the rate.
    const { fx, post } = await start({ webhook: { rateLimit: { burst: 50 }, unknownTtlSeconds: 600 } });
    const recId = String(fx.sim.list('incidents')[0]!.RecId);
    const body = JSON.stringify({ RecId: recId });
    const headers = {
      'x-sbt-timestamp': String(NOW_SECONDS),
      'x-sbt-signature': signWebhookBody(SECRET, NOW_SECONDS, body),
    };
    const readsBefore = route(fx, 'GET incidents key');

    const first = await post(body, headers);
    expect(first.status).toBe(202);
    const replies = [];
    for (let i = 0; i < 20; i += 1) {
      const res = await post(body, headers);
      replies.push(`${res.status} ${JSON.stringify(await res.json())}`);
    }
    expect(new Set(replies)).toEqual(new Set(['200 {"status":"duplicate"}']));
    expect(await fx.service.waitForIdle(10_000)).toBe(true);

    expect(route(fx, 'GET incidents key') - readsBefore).toBe(1);
    const metrics = await fx.service.metrics.render();
    expect(metrics).toMatch(/sbt_webhook_requests_total\{outcome="accepted"\} 1\n/);
    expect(metrics).toMatch(/sbt_webhook_requests_total\{outcome="replayed"\} 20\n/);
    // Remembered no longer than the signature stays valid (its window, plus one second).
    const sigHex = headers['x-sbt-signature'].slice('sha256='.length);
    const ttl = await fx.service.redis.ttl(`${fx.prefix}:webhook:sig:${sigHex}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(301);
  });

  it('limits each sender to its rate and answers 429 with Retry-After; the bucket refills with time', async () => {
    const { fx, post, advance } = await start({
      webhook: { rateLimit: { perSecond: 1, burst: 5 }, unknownTtlSeconds: 600 },
    });
    const unknownBefore = fx.sim.stats().byStatus['400'] ?? 0;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i += 1) {
      const res = await post(JSON.stringify({ RecId: randomBytes(16).toString('hex') }), {
        'x-sbt-token': TOKEN,
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(retryAfter).toBe('1');
    expect(await fx.service.waitForIdle(10_000)).toBe(true);
    // Only the five admitted ids reached HEAT (one read each, unknown there).
    expect((fx.sim.stats().byStatus['400'] ?? 0) - unknownBefore).toBe(5);

    advance(2_000);
    const later = await post(JSON.stringify({ RecId: randomBytes(16).toString('hex') }), {
      'x-sbt-token': TOKEN,
    });
    expect(later.status).toBe(202);
  });

  it('an unknown RecId or IncidentNumber costs HEAT one call, then is answered 404 from Redis', async () => {
    const { fx, post } = await start();
    const unknown = 'ABCDEF0123456789ABCDEF0123456789';
    const first = await post(JSON.stringify({ RecId: unknown }), { 'x-sbt-token': TOKEN });
    expect(first.status).toBe(202);
    expect(await waitFor(async () => (await fx.service.queue.queue.getFailedCount()) === 1, 10_000)).toBe(
      true,
    );
    expect(fx.sim.stats().byStatus['400']).toBe(1);

    const again = await post(JSON.stringify({ RecId: unknown }), { 'x-sbt-token': TOKEN });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: string }).error).toBe('unknown_ticket');
    expect(fx.sim.stats().byStatus['400']).toBe(1);
    expect(await fx.service.queue.queue.count()).toBe(0);

    const lookupsBefore = route(fx, 'GET incidents collection');
    for (let i = 0; i < 3; i += 1) {
      const res = await post(JSON.stringify({ IncidentNumber: 987654 }), { 'x-sbt-token': TOKEN });
      expect(res.status).toBe(404);
    }
    expect(route(fx, 'GET incidents collection') - lookupsBefore).toBe(1);
  });
});
