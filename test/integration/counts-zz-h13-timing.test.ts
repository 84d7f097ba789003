import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { serviceConfigSchema } from '../../src/config/index.js';
import { createCountsService } from '../../src/counts/index.js';
import { CATEGORY_SCOPES, isCategoryId } from '../../src/domain/index.js';
import { createHeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator } from '../../src/simulator/index.js';

// Temporary timing harness (h13), deleted after measuring.
it('times reconcile of 10,000 tickets', async () => {
  const NOW = new Date('2026-11-20T18:00:00Z');
  const sim = createSimulator({ seed: 5, tickets: 10_000, now: () => NOW });
  const url = await sim.listen(0, '127.0.0.1');
  const heat = createHeatClient(
    {
      baseUrl: url,
      apiKey: sim.apiKey,
      timeoutMs: 30_000,
      maxConcurrency: 8,
      dailyCallBudget: 1_000_000,
      pageSize: 100,
      retries: { max: 2, baseDelayMs: 10, maxDelayMs: 50 },
    },
    { logger: createSilentLogger() },
  );
  const truth = new Map(sim.truth().map((t) => [t.RecId, t.expect[0]]));
  for (const t of sim.list('incidents')) {
    const c = truth.get(String(t.RecId));
    if (isCategoryId(c))
      sim.actAsPerson(String(t.RecId), 'x', { SBT_Category: c, SBT_Scope: CATEGORY_SCOPES[c] });
  }
  const redis = new Redis(inject('redisUrl'));
  const prefix = `{h13-${randomUUID()}}`;
  const config = serviceConfigSchema.parse({
    queue: { prefix },
    counts: { period: 'school_year', debounceSeconds: 0 },
  });
  const counts = createCountsService({ redis, heat, logger: createSilentLogger(), config, now: () => NOW });
  const lines: string[] = [];
  for (let i = 0; i < 3; i++) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    sim.resetStats();
    const r = await counts.reconcile('SY2026-27');
    lines.push(
      `empty redis: ${r.ms} ms, read ${r.ticketsRead}, counted ${r.counted}, calls ${r.heatCalls}, patches ${sim.stats().byMethod.PATCH ?? 0}`,
    );
    const again = await counts.reconcile('SY2026-27');
    lines.push(`steady: ${again.ms} ms, calls ${again.heatCalls}`);
    expect(r.counted).toBeGreaterThan(9000);
  }
  console.log(lines.join('\n'));
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  heat.close();
  await sim.close();
}, 300_000);
