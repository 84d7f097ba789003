import { afterEach, describe, expect, it } from 'vitest';
import { createHeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';

describe('the change query against the simulator', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('misses nothing when records are modified while it pages (our own writes move them to the end)', async () => {
    sim = createSimulator({ seed: 81, tickets: 250 });
    const url = await sim.listen(0, '127.0.0.1');
    const heat = createHeatClient(
      {
        baseUrl: url,
        apiKey: sim.apiKey,
        timeoutMs: 10_000,
        maxConcurrency: 4,
        dailyCallBudget: 100_000,
        pageSize: 100,
        retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 },
      },
      { logger: createSilentLogger() },
    );
    const seen = new Set<string>();
    let pages = 0;
    for await (const page of heat.changedSince('2000-01-01T00:00:00Z', { overlapMs: 0, top: 100 })) {
      pages += 1;
      for (const r of page) seen.add(String(r.RecId));
      if (pages === 1) {
        // As the worker does while the poll pages: 60 records of the first page are written now.
        for (const r of page.slice(0, 60))
          sim.actAsPerson(String(r.RecId), 'sbt-router', { SBT_Scope: 'in_scope' });
      }
    }
    heat.close();
    expect(seen.size).toBe(250);
  });
});
