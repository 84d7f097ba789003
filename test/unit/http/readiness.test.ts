import { describe, expect, it } from 'vitest';
import { createReadinessCheck, type QueueProgress } from '../../../src/observability/index.js';

const START = new Date('2026-11-02T10:00:00Z');
const MIN = 60_000;

function setup(
  overrides: {
    redis?: () => Promise<boolean>;
    heat?: Date | null;
    progress?: Partial<QueueProgress>;
    refused?: () => { at: Date; status: number } | null;
  } = {},
) {
  let now = START;
  let heatLast: Date | null = overrides.heat === undefined ? START : overrides.heat;
  let progress: QueueProgress = {
    waiting: 0,
    active: 0,
    oldestWaitingAgeMs: null,
    lastJobFinishedAt: null,
    workerRunning: true,
    ...overrides.progress,
  };
  const check = createReadinessCheck({
    pingRedis: overrides.redis ?? (async () => true),
    heatLastSuccessAt: () => heatLast,
    ...(overrides.refused ? { heatAuthRefused: overrides.refused } : {}),
    queueProgress: async () => progress,
    staleHeatMs: 10 * MIN,
    stuckAfterMs: 2 * MIN,
    probeTimeoutMs: 50,
    now: () => now,
  });
  return {
    check,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    at: () => now,
    setHeat(d: Date | null) {
      heatLast = d;
    },
    setProgress(p: Partial<QueueProgress>) {
      progress = { ...progress, ...p };
    },
  };
}

describe('createReadinessCheck', () => {
  it('is not ready at the first 401/403, even within the start-up grace period', async () => {
    let refused: { at: Date; status: number } | null = { at: START, status: 401 };
    const { check } = setup({ heat: null, refused: () => refused });
    const r = await check();
    expect(r.ready).toBe(false);
    expect(r.checks.heat).toEqual({
      ok: false,
      detail:
        'HEAT refused our credentials (401) at 2026-11-02T10:00:00.000Z: check HEAT_API_KEY (or the session login) and the role of the service account',
    });
    refused = null;
    expect((await check()).checks.heat).toEqual({
      ok: true,
      detail: 'HEAT not called yet (within the start-up grace period)',
    });
  });

  it('is ready when Redis answers, HEAT answered recently and nothing waits', async () => {
    const r = await setup().check();
    expect(r.ready).toBe(true);
    expect(r.checks).toMatchObject({ redis: { ok: true }, heat: { ok: true }, jobs: { ok: true } });
    expect(r.checkedAt).toBe(START.toISOString());
  });

  it('is not ready when Redis does not answer PING, throws, or hangs', async () => {
    expect((await setup({ redis: async () => false }).check()).checks.redis).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/REDIS_URL/),
    });
    const thrown = await setup({
      redis: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
    }).check();
    expect(thrown.ready).toBe(false);
    expect(thrown.checks.redis.detail).toMatch(/ECONNREFUSED/);
    const hung = await setup({ redis: () => new Promise<boolean>(() => {}) }).check();
    expect(hung.ready).toBe(false);
    expect(hung.checks.redis.detail).toMatch(/took over 50 ms/);
  });

  it('is not ready when HEAT last answered longer ago than staleHeatMs', async () => {
    const s = setup();
    s.advance(10 * MIN);
    expect((await s.check()).ready).toBe(true);
    s.advance(1_000);
    const r = await s.check();
    expect(r.ready).toBe(false);
    expect(r.checks.heat.detail).toMatch(/HEAT last answered 10 min ago \(limit 10 min\)/);
    s.setHeat(s.at());
    expect((await s.check()).ready).toBe(true);
  });

  it('lets a HEAT that was not needed yet pass during the start-up grace period only', async () => {
    const s = setup({ heat: null });
    expect((await s.check()).checks.heat).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/not called yet/),
    });
    s.advance(10 * MIN + 1);
    const r = await s.check();
    expect(r.ready).toBe(false);
    expect(r.checks.heat.detail).toMatch(/has not answered since start.*HEAT_BASE_URL/);
  });

  it('is not ready when the worker is not running (closed or paused)', async () => {
    const r = await setup({ progress: { workerRunning: false } }).check();
    expect(r.ready).toBe(false);
    expect(r.checks.jobs.detail).toMatch(/worker is not running/);
  });

  it('turns false when the worker is connected but has stopped taking jobs', async () => {
    const s = setup({ progress: { lastJobFinishedAt: START } });
    s.advance(10_000);
    s.setProgress({ waiting: 4, oldestWaitingAgeMs: 5_000 });
    expect((await s.check()).ready).toBe(true);
    // Jobs keep waiting and nothing finishes: after stuckAfterMs the worker is stuck.
    s.advance(2 * MIN);
    s.setProgress({ oldestWaitingAgeMs: 2 * MIN + 5_000 });
    const r = await s.check();
    expect(r.ready).toBe(false);
    expect(r.checks.jobs.detail).toMatch(
      /not progressing: 4 waiting \(oldest 125 s\), last job finished 130 s ago/,
    );
    // A job finishing again makes it ready.
    s.setProgress({ lastJobFinishedAt: s.at() });
    expect((await s.check()).ready).toBe(true);
  });

  it('is not ready when no job ever finished and the oldest waiting job is older than stuckAfterMs', async () => {
    const s = setup({ progress: { waiting: 1, oldestWaitingAgeMs: 2 * MIN + 1 } });
    const r = await s.check();
    expect(r.ready).toBe(false);
    expect(r.checks.jobs.detail).toMatch(/no job finished since start/);
  });

  it('is ready when a fresh job arrives after a long idle spell (the worker is idle, not stuck)', async () => {
    const s = setup({ progress: { lastJobFinishedAt: START } });
    s.advance(60 * MIN);
    s.setHeat(s.at());
    s.setProgress({ waiting: 1, oldestWaitingAgeMs: 1_000 });
    const r = await s.check();
    expect(r.checks.jobs).toMatchObject({ ok: true, detail: '1 waiting, 0 active, jobs progressing' });
    expect(r.ready).toBe(true);
  });

  it('is not ready when the queue cannot be read', async () => {
    const check = createReadinessCheck({
      pingRedis: async () => true,
      heatLastSuccessAt: () => START,
      queueProgress: async () => {
        throw new Error('Connection is closed.');
      },
      staleHeatMs: 10 * MIN,
      stuckAfterMs: 2 * MIN,
      now: () => START,
    });
    const r = await check();
    expect(r.ready).toBe(false);
    expect(r.checks.jobs.detail).toMatch(/could not read the queue \(Connection is closed\.\)/);
  });
});

describe('readiness: the shared HEAT budget', () => {
  const budget = {
    day: '2026-11-02',
    used: 50_000,
    budget: 50_000,
    ratio: 1,
    level: 'paused' as const,
    backoffUntil: '2026-11-02T10:05:00.000Z',
    resetsAt: '2026-11-03T00:00:00.000Z',
  };
  const base = {
    pingRedis: async () => true,
    heatLastSuccessAt: () => START,
    queueProgress: async (): Promise<QueueProgress> => ({
      waiting: 0,
      active: 0,
      oldestWaitingAgeMs: null,
      lastJobFinishedAt: null,
      workerRunning: true,
    }),
    staleHeatMs: 10 * MIN,
    stuckAfterMs: 2 * MIN,
    probeTimeoutMs: 50,
    now: () => START,
  };

  it('is a detail: a used-up budget and HEAT backoff leave the service ready (live work goes on)', async () => {
    const report = await createReadinessCheck({ ...base, heatBudget: async () => budget })();
    expect(report.ready).toBe(true);
    expect(report.checks.budget).toEqual({
      ok: true,
      detail:
        'HEAT calls today 50,000 of 50,000 (100%, UTC day 2026-11-02): budget used up: backfill paused until 2026-11-03T00:00:00.000Z, live tickets go on; HEAT asked us to back off until 2026-11-02T10:05:00.000Z',
    });
    const slow = await createReadinessCheck({
      ...base,
      heatBudget: async () => ({
        ...budget,
        used: 41_000,
        ratio: 0.82,
        level: 'slow' as const,
        backoffUntil: null,
      }),
    })();
    expect(slow.checks.budget!.detail).toBe(
      'HEAT calls today 41,000 of 50,000 (82%, UTC day 2026-11-02): backfill slowed (high-water mark 80%)',
    );
  });

  it('says when the budget cannot be read, and is absent when not configured', async () => {
    const failing = await createReadinessCheck({
      ...base,
      heatBudget: () => Promise.reject(new Error('Redis down')),
    })();
    expect(failing.ready).toBe(true);
    expect(failing.checks.budget).toEqual({
      ok: true,
      detail: 'could not read the shared HEAT budget (Redis down)',
    });
    expect((await createReadinessCheck(base)()).checks.budget).toBe(undefined);
  });
});
