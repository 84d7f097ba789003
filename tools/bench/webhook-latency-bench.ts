import { startHttpForService } from '../../src/service/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { percentile, startBenchPipeline } from './start-bench-pipeline.js';

export interface WebhookLatencyResult {
  name: string;
  ratePerSecond: number;
  seconds: number;
  tickets: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  missed: number;
}

const TOKEN = 'bench-webhook-token-0123456789';

/**
 * Webhook-to-write latency: the simulator's outbound rule (a HEAT business rule) POSTs every new
 * ticket to /webhooks/heat; latency is from the ticket's creation to our PATCH landing in HEAT, both
 * stamped by the simulator in milliseconds. Tickets are created at a steady rate.
 */
export async function runWebhookLatencyBench(
  options: { ratePerSecond?: number; seconds?: number } = {},
): Promise<WebhookLatencyResult> {
  const rate = options.ratePerSecond ?? 20;
  const seconds = options.seconds ?? 60;
  // The per-sender webhook rate limit defaults to the HEAT budget's pace (about 10 a second): the
  // bench sends faster, from one sender, so it raises the limit to twice its rate.
  const p = await startBenchPipeline(
    { seed: 9, tickets: 0, timestampPrecision: 'millisecond' },
    (s) => ({ ...s, webhook: { ...s.webhook, rateLimit: { ...s.webhook.rateLimit, perSecond: rate * 2 } } }),
    { WEBHOOK_TOKEN: TOKEN },
  );
  const http = await startHttpForService(p.service, p.config, createSilentLogger(), {
    port: 0,
    host: '127.0.0.1',
  });
  try {
    const res = await fetch(`${p.sim.url}/_sim/outbound-rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: `${http.url}/webhooks/heat`,
        on: ['create', 'update'],
        headers: { 'X-SBT-Token': TOKEN },
        bodyTemplate:
          '{"RecId":"{{RecId}}","LastModDateTime":"{{LastModDateTime}}","LastModBy":"{{LastModBy}}"}',
      }),
    });
    if (!res.ok) throw new Error(`could not configure the outbound rule: ${res.status}`);
    const created: string[] = [];
    const total = Math.round(rate * seconds);
    const t0 = Date.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const [ticket] = p.sim.createTickets(1);
      created.push(String(ticket!.RecId));
    }
    await new Promise((r) => setTimeout(r, 2000));
    await p.service.waitForIdle(30_000);
    const hashField = p.config.routing.fields.decisionHash;
    const latencies: number[] = [];
    let missed = 0;
    for (const recId of created) {
      const t = p.sim.get('incidents', recId);
      if (!t || !t[hashField]) {
        missed += 1;
        continue;
      }
      // HEAT stamps LastModDateTime on our PATCH (the note is a record of its own and leaves it alone).
      const createdAt = Date.parse(String(t.CreatedDateTime));
      const writtenAt = Date.parse(String(t.LastModDateTime));
      latencies.push(writtenAt - createdAt);
    }
    latencies.sort((a, b) => a - b);
    return {
      name: 'webhook-to-write',
      ratePerSecond: rate,
      seconds,
      tickets: created.length,
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      maxMs: Math.round(latencies[latencies.length - 1] ?? NaN),
      missed,
    };
  } finally {
    await http.close();
    await p.stop();
  }
}
