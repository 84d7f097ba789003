import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHttpForService } from '../../src/service/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';
import { waitFor, waitUntil } from '../support/cli-process.js';

const redisUrl = inject('redisUrl');
const TOKEN = 'test-webhook-token-0123456789';

async function configureOutboundRule(simUrl: string, webhookUrl: string): Promise<void> {
  // As a HEAT admin would: a business rule that POSTs on every incident save.
  const res = await fetch(`${simUrl}/_sim/outbound-rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      url: webhookUrl,
      on: ['create', 'update'],
      headers: { 'X-SBT-Token': TOKEN, 'Content-Type': 'application/json' },
      bodyTemplate:
        '{"RecId":"{{RecId}}","LastModDateTime":"{{LastModDateTime}}","LastModBy":"{{LastModBy}}"}',
    }),
  });
  expect(res.ok).toBe(true);
}

describe('webhook -> queue -> worker -> HEAT (simulator), with real Redis', () => {
  let fx: PipelineFixture | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await fx?.close();
    fx = undefined;
    close = undefined;
  });

  it('a ticket saved in HEAT is tagged and routed through the webhook; its echo and the poll cost nothing more', async () => {
    fx = await startPipeline(redisUrl, { sim: { seed: 41, tickets: 5 }, env: { WEBHOOK_TOKEN: TOKEN } });
    const { sim, service, config } = fx;
    // The seeded backlog first, so that only the new ticket is in play.
    await service.pollNow();
    await service.waitForIdle(20_000);
    const http = await startHttpForService(service, config, createSilentLogger(), {
      port: 0,
      host: '127.0.0.1',
    });
    close = () => http.close();
    await configureOutboundRule(sim.url, `${http.url}/webhooks/heat`);
    const before = sim.stats();

    const [created] = sim.createTickets(1);
    const recId = String(created!.RecId);
    const tagged = await waitFor(() => Boolean(sim.get('incidents', recId)?.SBT_DecisionHash), 5_000, 20);
    expect(tagged).toBe(true);
    // The echo of our own PATCH reaches the webhook (the rule fired for the create and for our update).
    expect(await waitFor(() => sim.stats().outbound.ok - before.outbound.ok >= 2, 5_000, 20)).toBe(true);
    await service.waitForIdle(5_000);

    const after = sim.stats();
    expect((after.byRoute['GET incidents key'] ?? 0) - (before.byRoute['GET incidents key'] ?? 0)).toBe(1);
    expect((after.byRoute['PATCH incidents'] ?? 0) - (before.byRoute['PATCH incidents'] ?? 0)).toBe(1);

    // The poll sees the same ticket (changed since the watermark) and recognises it as done.
    const poll = await service.pollNow();
    expect(poll.enqueued).toBe(0);
    const metrics = await service.metrics.render();
    expect(metrics).toMatch(/sbt_webhook_requests_total\{outcome="accepted"\} 1/);
    expect(metrics).toMatch(/sbt_webhook_requests_total\{outcome="deduplicated"\} [1-9]/);
  });

  it('an unknown RecId is accepted, then dropped by the worker without retrying', async () => {
    fx = await startPipeline(redisUrl, { sim: { seed: 42, tickets: 1 }, env: { WEBHOOK_TOKEN: TOKEN } });
    const { sim, service, config } = fx;
    const http = await startHttpForService(service, config, createSilentLogger(), {
      port: 0,
      host: '127.0.0.1',
    });
    close = () => http.close();
    const res = await fetch(`${http.url}/webhooks/heat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sbt-token': TOKEN },
      body: JSON.stringify({ RecId: 'ABCDEF0123456789ABCDEF0123456789' }),
    });
    expect(res.status).toBe(202);
    await waitUntil(async () => (await service.queue.queue.getFailedCount()) >= 1, 10_000, 'a failed job');
    expect(await service.queue.queue.getFailedCount()).toBe(1);
    const [failed] = await service.queue.queue.getFailed(0, 0);
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason).toMatch(/Invalid key/);
    expect(sim.stats().byStatus['400']).toBe(1);
  });
});
