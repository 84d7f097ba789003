import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { BACKFILL_SLOW_DELAY_MS, createHeatClient, type HeatClient } from '../../src/heat/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { captureLogs } from '../support/capture-logs.js';
import { deletePrefix } from '../support/delete-prefix.js';
import {
  TICKET_TEXTS,
  createTicket,
  schoolNames,
  startActionsPipeline,
  type ActionsPipeline,
} from '../support/pipeline-fixture.js';

const redisUrl = inject('redisUrl');

let redis: Redis;
let sim: Simulator;
let simUrl: string;
let recId: string;
const prefixes: string[] = [];

beforeAll(async () => {
  redis = new Redis(redisUrl);
  sim = createSimulator({ seed: 31, tickets: 3 });
  simUrl = await sim.listen(0, '127.0.0.1');
  recId = String(sim.list('incidents')[0]!.RecId);
});

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  await sim.close();
  await redis.quit();
});

function newPrefix(): string {
  const prefix = `{budget-${randomBytes(4).toString('hex')}}`;
  prefixes.push(prefix);
  return prefix;
}

/** A client of the shared budget with a pinned clock; its waits are recorded (and move the clock). */
function budgetClient(
  prefix: string,
  clock: { now: Date },
  options: { baseUrl?: string; budget?: number; logger?: ReturnType<typeof captureLogs> } = {},
) {
  const waits: number[] = [];
  const logs = options.logger ?? captureLogs();
  const client = createHeatClient(
    {
      baseUrl: options.baseUrl ?? simUrl,
      apiKey: sim.apiKey,
      timeoutMs: 5_000,
      maxConcurrency: 4,
      dailyCallBudget: options.budget ?? 10,
      pageSize: 100,
      retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 },
    },
    {
      logger: logs.logger,
      now: () => clock.now,
      sleep: async (ms) => {
        waits.push(ms);
        clock.now = new Date(clock.now.getTime() + ms);
      },
      budgetStore: { redis, prefix },
    },
  );
  return { client, waits, logs };
}

async function calls(client: HeatClient, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await client.getByRecId('incidents', recId);
}

describe('the shared HEAT call budget (real Redis, pinned clock)', () => {
  it('two clients add to one count per UTC day; each still knows its own calls', async () => {
    const prefix = newPrefix();
    const clock = { now: new Date('2026-11-20T23:59:00Z') };
    const a = budgetClient(prefix, clock, { budget: 100 });
    const b = budgetClient(prefix, clock, { budget: 100 });
    await calls(a.client, 3);
    await calls(b.client, 4);
    expect((await a.client.budgetState()).used).toBe(7);
    expect(await b.client.budgetState()).toMatchObject({ day: '2026-11-20', used: 7, shared: true });
    expect(a.client.stats().calls).toBe(3);
    expect(b.client.stats().calls).toBe(4);
    expect(await redis.hgetall(`${prefix}:heat-budget:2026-11-20`)).toEqual({ total: '7', 'm:GET': '7' });

    clock.now = new Date('2026-11-21T00:00:01Z');
    await calls(b.client, 1);
    expect(await a.client.budgetState()).toMatchObject({ day: '2026-11-21', used: 1, level: 'normal' });
    a.client.close();
    b.client.close();
  });

  it('logs 50%, 80% and 100% once each across both clients; 80% slows backfill, 100% pauses it until the next day', async () => {
    const prefix = newPrefix();
    const clock = { now: new Date('2026-11-20T18:00:00Z') };
    const logs = captureLogs();
    const a = budgetClient(prefix, clock, { logger: logs });
    const b = budgetClient(prefix, clock, { logger: logs });

    await calls(a.client, 4);
    expect(await b.client.waitForBackfillTurn()).toMatchObject({ used: 4, level: 'normal' });
    expect(b.waits).toEqual([]);

    await calls(b.client, 4); // 8 of 10: the high-water mark
    const slow = await a.client.budgetState();
    expect(slow).toMatchObject({ used: 8, level: 'slow', backfillDelayMs: BACKFILL_SLOW_DELAY_MS });
    await a.client.waitForBackfillTurn();
    expect(a.waits).toEqual([BACKFILL_SLOW_DELAY_MS]);

    await calls(a.client, 2); // 10 of 10: used up, yet live calls are still served
    await calls(b.client, 1);
    expect(b.client.stats().calls).toBe(5);
    const paused = await b.client.budgetState();
    expect(paused).toMatchObject({ used: 11, level: 'paused', resetsAt: '2026-11-21T00:00:00.000Z' });

    // Paused: the wait re-reads the count every recheckMs and ends when the UTC day turns.
    const resumed = await b.client.waitForBackfillTurn({ recheckMs: 3 * 3600_000 });
    expect(resumed).toMatchObject({ day: '2026-11-21', used: 0, level: 'normal', backfillDelayMs: 0 });
    expect(b.waits.reduce((sum, ms) => sum + ms, 0)).toBe(6 * 3600_000 - 2_000);
    expect(b.waits.length).toBe(2);

    const lines = logs.entries.filter((l) => l.event === 'heat_budget');
    expect(lines.map((l) => [l.level, l.percent, l.calls])).toEqual([
      ['info', 50, 5],
      ['warn', 80, 8],
      ['warn', 100, 10],
    ]);
    a.client.close();
    b.client.close();
  });

  it('calls started at once are counted with one script run: exact total, a mark crossed logged once', async () => {
    const prefix = newPrefix();
    const clock = { now: new Date('2026-11-20T09:00:00Z') };
    const logs = captureLogs();
    const a = budgetClient(prefix, clock, { budget: 8, logger: logs });
    await calls(a.client, 2);
    const runs = vi.spyOn(redis as unknown as Record<string, () => Promise<unknown>>, 'sbtHeatBudgetCount');
    try {
      // maxConcurrency 4: four requests in flight together, counted in one round trip to Redis.
      await Promise.all([1, 2, 3, 4].map(() => a.client.getByRecId('incidents', recId)));
      expect(runs).toHaveBeenCalledTimes(1);
    } finally {
      runs.mockRestore();
    }
    expect(await redis.hgetall(`${prefix}:heat-budget:2026-11-20`)).toEqual({ total: '6', 'm:GET': '6' });
    expect(a.client.stats().calls).toBe(6);
    expect(await a.client.budgetState()).toMatchObject({ used: 6, level: 'normal' });
    // 50% (4 of 8) was crossed inside the batch (2 -> 6): one line, with the batch's total.
    const lines = logs.entries.filter((l) => l.event === 'heat_budget');
    expect(lines.map((l) => [l.percent, l.calls])).toEqual([[50, 6]]);
    a.client.close();
  });

  describe('a 429 from HEAT backs every client off', () => {
    let throttling: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((resolve) => (throttling ? throttling.close(() => resolve()) : resolve()));
    });

    it('the other client waits out Retry-After before its next call', async () => {
      throttling = createServer((_req, res) => {
        res.writeHead(429, { 'Retry-After': '120', 'Content-Type': 'application/json' });
        res.end('{}');
      });
      await new Promise<void>((resolve) => throttling!.listen(0, '127.0.0.1', resolve));
      const port = (throttling.address() as AddressInfo).port;
      const prefix = newPrefix();
      const clock = { now: new Date('2026-11-20T12:00:00Z') };
      const throttled = budgetClient(prefix, clock, { baseUrl: `http://127.0.0.1:${port}`, budget: 100 });
      const other = budgetClient(prefix, clock, { budget: 100 });

      await expect(throttled.client.getByRecId('incidents', recId)).rejects.toMatchObject({ status: 429 });
      expect(await other.client.budgetState()).toMatchObject({
        backoffUntil: '2026-11-20T12:02:00.000Z',
        level: 'normal',
        backfillDelayMs: 120_000,
      });
      await expect(other.client.getByRecId('incidents', recId)).resolves.toMatchObject({ RecId: recId });
      expect(other.waits).toEqual([120_000]);
      expect(throttled.logs.entries.filter((l) => l.event === 'heat_throttled')).toHaveLength(1);
      throttled.client.close();
      other.client.close();
    });
  });
});

describe('the worker and the budget', () => {
  let fx: ActionsPipeline | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('at 100% a backfill job is put off until the next UTC day (no attempt spent) while live work goes on', async () => {
    fx = await startActionsPipeline(redisUrl, { service: { heat: { dailyCallBudget: 100 } } });
    const { sim: s, service, prefix, config } = fx;
    const [school] = schoolNames(s);
    const created = async (category: 'hardware' | 'telephone') =>
      String((await createTicket(s, { ...TICKET_TEXTS[category], OrganizationUnitID: school })).RecId);
    const live = await created('hardware');
    const backfill = await created('telephone');
    const day = new Date().toISOString().slice(0, 10);
    await redis.hset(`${prefix}:heat-budget:${day}`, 'total', '100');
    expect((await service.heat.budgetState()).level).toBe('paused');

    await service.queue.enqueue({ recId: backfill, source: 'backfill' });
    await service.queue.enqueue({ recId: live, source: 'webhook' });
    const deadline = Date.now() + 20_000;
    let delayed = 0;
    while (Date.now() < deadline) {
      delayed = await service.queue.queue.getDelayedCount();
      if (delayed === 1 && s.get('incidents', live)![config.routing.fields.decisionHash]) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(delayed).toBe(1);
    expect(s.get('incidents', live)!.OwnerTeam).toBe(config.routing.teams.technicians);
    expect(s.get('incidents', backfill)![config.routing.fields.decisionHash] ?? null).toBe(null);
    const [job] = await service.queue.queue.getDelayed();
    expect(job!.data.deferrals).toBe(1);
    const nextDay = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
    // Put off until the next UTC midnight (the delay is counted from when the worker put it off).
    expect(Math.abs(job!.timestamp + job!.delay - nextDay)).toBeLessThan(60_000);

    // The next day: a fresh count. The job runs as a first attempt (no look for an earlier note).
    await redis.del(`${prefix}:heat-budget:${day}`);
    const before = s.stats();
    await job!.promote();
    expect(await service.waitForIdle(20_000)).toBe(true);
    expect(s.get('incidents', backfill)!.OwnerTeam).toBe('Telecommunications');
    const after = s.stats();
    const delta = (route: string) => (after.byRoute[route] ?? 0) - (before.byRoute[route] ?? 0);
    expect(delta('GET journal__notess collection')).toBe(0);
    expect(delta('POST journal__notess')).toBe(1);
  });
});
