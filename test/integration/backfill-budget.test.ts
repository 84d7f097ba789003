import { randomBytes } from 'node:crypto';
import { mkdtempSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import { createBudgetPacer } from '../../src/cli/commands/backfill-budget.js';
import { runBackfill } from '../../src/cli/commands/backfill-run.js';
import { loadConfig } from '../../src/config/index.js';
import { createHeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { deletePrefix } from '../support/delete-prefix.js';

const redisUrl = inject('redisUrl');

let redis: Redis;
const prefixes: string[] = [];
const sims: Simulator[] = [];

beforeAll(() => {
  redis = new Redis(redisUrl);
});
afterEach(async () => {
  while (sims.length > 0) await sims.pop()!.close();
});
afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  await redis.quit();
});

function newPrefix(): string {
  const prefix = `{bfbudget-${randomBytes(4).toString('hex')}}`;
  prefixes.push(prefix);
  return prefix;
}

/** The shared count of a UTC day, as other clients (replicas, commands) would have left it. */
async function setUsed(prefix: string, day: string, used: number): Promise<void> {
  await redis.hset(`${prefix}:heat-budget:${day}`, 'total', String(used));
}

/** A pinned clock whose waits are recorded and move it (no wall time decides anything). */
function pinnedClock(iso: string) {
  const clock = { now: new Date(iso) };
  const waits: number[] = [];
  return {
    clock,
    waits,
    now: () => clock.now,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
}

async function startSim(
  options: Parameters<typeof createSimulator>[0],
): Promise<{ sim: Simulator; url: string }> {
  const sim = createSimulator(options);
  sims.push(sim);
  return { sim, url: await sim.listen(0, '127.0.0.1') };
}

describe('backfill turns on the shared HEAT budget (pacer, real Redis, pinned clock)', () => {
  async function pacerOn(prefix: string, time: ReturnType<typeof pinnedClock>, sleep = time.sleep) {
    const { url, sim } = await startSim({ seed: 3, tickets: 1 });
    const heat = createHeatClient(
      {
        baseUrl: url,
        apiKey: sim.apiKey,
        timeoutMs: 5_000,
        maxConcurrency: 2,
        dailyCallBudget: 1_000,
        pageSize: 100,
        retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 },
      },
      { logger: captureLogs().logger, now: time.now, sleep, budgetStore: { redis, prefix } },
    );
    const said: string[] = [];
    const abort = new AbortController();
    const pacer = createBudgetPacer({ heat, say: (l) => said.push(l), signal: abort.signal });
    return { heat, pacer, said, abort };
  }

  it('below 80% goes on at once; from 80% waits 2 s a turn, saying nothing', async () => {
    const prefix = newPrefix();
    const time = pinnedClock('2026-11-03T12:00:00Z');
    const { heat, pacer, said } = await pacerOn(prefix, time);
    await setUsed(prefix, '2026-11-03', 799);
    expect((await pacer.turn()).level).toBe('normal');
    expect(time.waits).toEqual([]);
    await setUsed(prefix, '2026-11-03', 800);
    await pacer.turn();
    await pacer.turn();
    expect(time.waits).toEqual([2_000, 2_000]);
    expect(said).toEqual([]);
    expect(pacer.last()?.level).toBe('slow');
    heat.close();
  });

  it('at 100% says it pauses until 00:00 UTC, waits (re-reading every 60 s) and resumes once the pinned clock passes midnight', async () => {
    const prefix = newPrefix();
    const time = pinnedClock('2026-11-03T23:57:30Z');
    const { heat, pacer, said } = await pacerOn(prefix, time);
    await setUsed(prefix, '2026-11-03', 1_000);
    const state = await pacer.turn();
    expect(time.waits).toEqual([60_000, 60_000, 30_000]);
    expect(time.clock.now.toISOString()).toBe('2026-11-04T00:00:00.000Z');
    expect(state).toMatchObject({ day: '2026-11-04', used: 0, level: 'normal' });
    expect(said).toEqual([
      'HEAT budget 100% used today (1,000 calls); paused until 00:00 UTC; Ctrl-C leaves queued work for the workers',
      'HEAT budget 0% used today (0 calls): resuming the backfill',
    ]);
    expect(pacer.pauses()).toBe(1);
    expect(pacer.paused()).toBe(false);
    heat.close();
  });

  it('turns side by side (tagging lanes) announce one pause and one resume', async () => {
    const prefix = newPrefix();
    const time = pinnedClock('2026-11-03T23:59:00Z');
    const { heat, pacer, said } = await pacerOn(prefix, time);
    await setUsed(prefix, '2026-11-03', 1_200);
    await Promise.all([pacer.turn(), pacer.turn(), pacer.turn()]);
    expect(said).toEqual([
      'HEAT budget 120% used today (1,200 calls); paused until 00:00 UTC; Ctrl-C leaves queued work for the workers',
      'HEAT budget 0% used today (0 calls): resuming the backfill',
    ]);
    heat.close();
  });

  it('an abort (Ctrl-C, --timeout) ends a pause at once, without a resume line', async () => {
    const prefix = newPrefix();
    const time = pinnedClock('2026-11-03T20:00:00Z');
    const asked: number[] = [];
    // A wait that only an abort ends: the turn must not outlive the stop.
    const never = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((done) => {
        asked.push(ms);
        signal?.addEventListener('abort', () => done(), { once: true });
      });
    const { heat, pacer, said, abort } = await pacerOn(prefix, time, never);
    await setUsed(prefix, '2026-11-03', 1_000);
    const turn = pacer.turn();
    for (let i = 0; i < 200 && asked.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(asked).toEqual([60_000]);
    abort.abort();
    expect((await turn).level).toBe('paused');
    expect(said).toHaveLength(1);
    heat.close();
  });
});

describe('runBackfill on the shared HEAT budget (simulator over HTTP, real Redis, pinned HEAT clock)', () => {
  function configFor(prefix: string, url: string, apiKey: string, extra = '') {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-bfbudget-'));
    copyFileSync(resolve('config/routing.yaml'), join(dir, 'routing.yaml'));
    copyFileSync('config/model.json', join(dir, 'model.json'));
    writeFileSync(
      join(dir, 'service.yaml'),
      `queue:\n  prefix: '${prefix}'\nheat:\n  dailyCallBudget: 1000\n  pageSize: 20\ncounts:\n  debounceSeconds: 0\n${extra}`,
    );
    const env = { HEAT_BASE_URL: url, HEAT_API_KEY: apiKey, REDIS_URL: redisUrl };
    return { config: loadConfig({ dir, env }), env };
  }

  async function run(
    mode: 'counts-only' | 'tag-history',
    time: ReturnType<typeof pinnedClock>,
    prefix: string,
    url: string,
    apiKey: string,
    options: { timeoutMs?: number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
  ) {
    const { config, env } = configFor(prefix, url, apiKey);
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const out: string[] = [];
    const result = await runBackfill({
      config,
      logger: createSilentLogger(),
      redisUrl,
      env,
      since: '2000-01-01',
      sinceMs: Date.parse('2000-01-01'),
      mode,
      timeoutMs: options.timeoutMs ?? 0,
      redisWaitMs: 5_000,
      nowMs: () => time.clock.now.getTime(),
      stderr,
      out: (l) => out.push(l),
      heatClock: { now: time.now, sleep: options.sleep ?? time.sleep },
    });
    return { result, stderr: () => err, out };
  }

  it('--counts-only at 80%: one 2 s wait before each page read (3 pages of 20 for 50 tickets, and the read that ends)', async () => {
    const prefix = newPrefix();
    const { sim, url } = await startSim({ seed: 8, tickets: 0, history: { closed: 50 } });
    const time = pinnedClock('2026-11-03T12:00:00Z');
    await setUsed(prefix, '2026-11-03', 850);
    const { result, stderr } = await run('counts-only', time, prefix, url, sim.apiKey);
    expect(result.exitCode).toBe(0);
    expect(result.pages).toBe(3);
    expect(result.read).toBe(50);
    expect(result.budgetPauses).toBe(0);
    expect(time.waits).toEqual([2_000, 2_000, 2_000, 2_000]);
    expect(stderr()).not.toContain('paused until');
    expect(await redis.hget(`${prefix}:heat-budget:2026-11-03`, 'total')).toBe('853');
  });

  it('--tag-history at 100%: pauses before the first page, says so, resumes at midnight UTC, then tags each ticket in its turn', async () => {
    const prefix = newPrefix();
    const { sim, url } = await startSim({ seed: 9, tickets: 0, history: { closed: 6 } });
    const time = pinnedClock('2026-11-03T23:59:00Z');
    await setUsed(prefix, '2026-11-03', 1_000);
    const { result, stderr } = await run('tag-history', time, prefix, url, sim.apiKey);
    expect(result.exitCode).toBe(0);
    expect(result.budgetPauses).toBe(1);
    expect(result.taggedFromPages).toBe(6);
    expect(result.queued).toBe(0);
    // The pause (60 s to midnight), then no wait: a new UTC day, a fresh count.
    expect(time.waits).toEqual([60_000]);
    // The worker's start-up checks (tenant fields, change query) are not backfill work: they go first.
    const before = Number(await redis.hget(`${prefix}:heat-budget:2026-11-03`, 'total'));
    expect(before).toBeGreaterThan(1_000);
    expect(stderr()).toContain(
      `HEAT budget 100% used today (${before.toLocaleString('en-US')} calls); paused until 00:00 UTC; Ctrl-C leaves queued work for the workers\n`,
    );
    expect(stderr()).toContain('HEAT budget 0% used today (0 calls): resuming the backfill\n');
    // Every page read and tag came after midnight: today's count holds them (no page was read at 100%).
    expect(sim.stats().byRoute['PATCH incidents']).toBeGreaterThan(0);
    expect(Number(await redis.hget(`${prefix}:heat-budget:2026-11-04`, 'total'))).toBe(result.heatCalls);
  });

  it('--tag-history at 80%: 2 s before each page read and before each ticket tagged from a page', async () => {
    const prefix = newPrefix();
    const { sim, url } = await startSim({ seed: 10, tickets: 0, history: { closed: 5 } });
    const time = pinnedClock('2026-11-03T12:00:00Z');
    await setUsed(prefix, '2026-11-03', 800);
    const { result } = await run('tag-history', time, prefix, url, sim.apiKey);
    expect(result.exitCode).toBe(0);
    expect(result.taggedFromPages).toBe(5);
    // 1 page of 5 (short: the walk ends after it): 1 page turn + 5 ticket turns + the read that ends.
    expect(time.waits).toEqual(Array.from({ length: 7 }, () => 2_000));
  });

  it('--timeout during a budget pause stops at once as usual (exit 1, nothing read, what stays queued said)', async () => {
    const prefix = newPrefix();
    const { sim, url } = await startSim({ seed: 11, tickets: 0, history: { closed: 5 } });
    const time = pinnedClock('2026-11-03T12:00:00Z');
    await setUsed(prefix, '2026-11-03', 1_000);
    const asked: number[] = [];
    // A wait only the stop ends (12 hours to midnight would otherwise be waited out).
    const untilAborted = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((done) => {
        asked.push(ms);
        signal?.addEventListener('abort', () => done(), { once: true });
      });
    const { result, stderr } = await run('counts-only', time, prefix, url, sim.apiKey, {
      timeoutMs: 300,
      sleep: untilAborted,
    });
    expect(result.stopped).toBe('timeout');
    expect(result.exitCode).toBe(1);
    expect(result.pages).toBe(0);
    expect(asked).toEqual([60_000]);
    expect(stderr()).toContain('paused until 00:00 UTC');
    expect(stderr()).toContain('backfill stopped: --timeout (0 s) reached.');
    expect(stderr()).not.toContain('resuming the backfill');
  });
});
