import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { serviceConfigSchema } from '../../src/config/index.js';
import { COUNTS_QUEUE, createCountsService, periodOf, type CountsService } from '../../src/counts/index.js';
import { Queue } from 'bullmq';
import { waitUntil } from '../support/cli-process.js';
import {
  CATEGORY_IDS,
  CATEGORY_SCOPES,
  isCategoryId,
  type CategoryId,
  type HeatRecord,
} from '../../src/domain/index.js';
import { createHeatClient, HeatApiError, type HeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { deletePrefix } from '../support/delete-prefix.js';

const NOW = new Date('2026-11-20T18:00:00Z');
const PERIOD = '2026-11';

interface Fixture {
  sim: Simulator;
  heat: HeatClient;
  redis: Redis;
  prefix: string;
  clock: { now: Date };
  counts: CountsService;
  config: ReturnType<typeof serviceConfigSchema.parse>;
}

const open: Fixture[] = [];

async function start(
  options: {
    tickets?: number;
    debounceSeconds?: number;
    wrapHeat?: (h: HeatClient) => HeatClient;
    writerTickMs?: number;
  } = {},
): Promise<Fixture> {
  const sim = createSimulator({ seed: 5, tickets: options.tickets ?? 320, now: () => NOW });
  const url = await sim.listen(0, '127.0.0.1');
  const heat = createHeatClient(
    {
      baseUrl: url,
      apiKey: sim.apiKey,
      timeoutMs: 10_000,
      maxConcurrency: 8,
      dailyCallBudget: 1_000_000,
      pageSize: 100,
      retries: { max: 2, baseDelayMs: 10, maxDelayMs: 50 },
    },
    { logger: createSilentLogger() },
  );
  const redis = new Redis(inject('redisUrl'));
  const prefix = `{counts-heat-${randomUUID()}}`;
  const config = serviceConfigSchema.parse({
    queue: { prefix },
    counts: { timeZone: 'America/Chicago', debounceSeconds: options.debounceSeconds ?? 60 },
  });
  const clock = { now: NOW };
  const counts = createCountsService({
    redis,
    heat: options.wrapHeat ? options.wrapHeat(heat) : heat,
    logger: createSilentLogger(),
    config,
    now: () => clock.now,
    ...(options.writerTickMs ? { writerTickMs: options.writerTickMs } : {}),
  });
  const fx = { sim, heat, redis, prefix, clock, counts, config };
  open.push(fx);
  return fx;
}

afterEach(async () => {
  for (const fx of open.splice(0)) {
    await fx.counts.stop();
    await deletePrefix(fx.redis, fx.prefix);
    await fx.redis.quit();
    fx.heat.close();
    await fx.sim.close();
  }
});

const schoolPatches = (sim: Simulator) => sim.stats().byRoute['PATCH organizationalunits'] ?? 0;

function schoolRecord(sim: Simulator, name: string): HeatRecord {
  const record = sim.list('organizationalunits').find((r) => r.Name === name);
  if (!record) throw new Error(`simulator has no school ${name}`);
  return record;
}

function ticketsOf(sim: Simulator, period: string, config: Fixture['config']): HeatRecord[] {
  return sim
    .list('incidents')
    .filter(
      (t) => typeof t.CreatedDateTime === 'string' && periodOf(t.CreatedDateTime, config.counts) === period,
    );
}

/**
 * Wraps a HEAT client so that PATCHes of school records wait until `release()`; `inPatch` resolves
 * when the first one is held (a writer stopped inside its write).
 */
function holdSchoolPatches(h: HeatClient): { heat: HeatClient; inPatch: Promise<void>; release: () => void } {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  let entered: () => void = () => {};
  const inPatch = new Promise<void>((r) => (entered = r));
  const heat: HeatClient = {
    ...h,
    update: async (set, recId, fields) => {
      if (set === 'organizationalunits') {
        entered();
        await held;
      }
      return h.update(set, recId, fields);
    },
  };
  return { heat, inPatch, release: () => release() };
}

/** A second counts service on the fixture's Redis, HEAT, config and clock (another replica). */
function anotherWriter(
  fx: Fixture,
  overrides: { redis?: Redis; heat?: HeatClient; writeLeaseMs?: number } = {},
): CountsService {
  return createCountsService({
    redis: fx.redis,
    heat: fx.heat,
    logger: createSilentLogger(),
    config: fx.config,
    now: () => fx.clock.now,
    ...overrides,
  });
}

describe('write-back to HEAT school records', () => {
  it('debounces: 30 changes for one school make one PATCH, visible on the record', async () => {
    const { sim, counts, clock } = await start({ tickets: 40 });
    const school = String(sim.list('organizationalunits')[0]?.Name);
    sim.resetStats();
    for (let i = 0; i < 30; i++) {
      const category = CATEGORY_IDS[i % 4] as CategoryId;
      await counts.record({
        recId: `A${String(i % 12).padStart(31, '0')}`, // 12 tickets, most of them reclassified
        school,
        createdDateTime: '2026-11-10T15:00:00Z',
        decision: { category, scope: CATEGORY_SCOPES[category] },
      });
    }
    // Inside the interval nothing is due yet.
    expect(await counts.flush()).toEqual({ written: 0, skipped: 0, failed: 0 });
    expect(schoolPatches(sim)).toBe(0);

    clock.now = new Date(NOW.getTime() + 60_000);
    expect(await counts.flush()).toEqual({ written: 1, skipped: 0, failed: 0 });
    expect(schoolPatches(sim)).toBe(1);
    const [row] = (await counts.snapshot(PERIOD)).filter((r) => r.school === school);
    expect(row?.total).toBe(12);
    expect(schoolRecord(sim, school)).toMatchObject({
      SBT_InScopeCount: row?.byScope.in_scope,
      SBT_OutOfScopeCount: row?.byScope.out_of_scope,
      SBT_RestrictedCount: 0,
      SBT_ReviewCount: 0,
      SBT_Count_hardware: row?.byCategory.hardware,
      SBT_Count_software_access: row?.byCategory.software_access,
      SBT_Count_telephone: row?.byCategory.telephone,
      SBT_Count_website: row?.byCategory.website,
      SBT_Count_gradebook_admin: 0,
      SBT_OutOfScopeShare: row?.outOfScopeShare,
      SBT_CountPeriod: PERIOD,
    });
    // HEAT renders dates in the tenant's offset; the instant is ours.
    expect(Date.parse(String(schoolRecord(sim, school).SBT_CountsUpdated))).toBe(clock.now.getTime());

    // Nothing changed since: no write, even when forced.
    expect(await counts.flush({ force: true })).toEqual({ written: 0, skipped: 0, failed: 0 });
    // A duplicate job changes nothing and schedules nothing.
    await counts.record({
      recId: `A${'0'.repeat(31)}`,
      school,
      createdDateTime: '2026-11-10T15:00:00Z',
      decision: { category: 'hardware', scope: 'in_scope' },
    });
    clock.now = new Date(clock.now.getTime() + 120_000);
    expect(await counts.flush()).toEqual({ written: 0, skipped: 0, failed: 0 });
    expect(schoolPatches(sim)).toBe(1);
  });

  it('one writer per school: a flush that read older counts cannot land after a newer one', async () => {
    // Writer A reads the counts (1 ticket) and is held inside its PATCH; meanwhile a second ticket is
    // counted and writer B (another replica) flushes. Without the per-school lock B would write 2 and
    // A's late PATCH would leave HEAT at 1 for good (B's cache says 2 was written).
    let hold: ReturnType<typeof holdSchoolPatches> | undefined;
    const fx = await start({ tickets: 40, wrapHeat: (h) => (hold = holdSchoolPatches(h)).heat });
    const { inPatch, release } = hold!;
    const { sim, counts: writerA, clock } = fx;
    const writerB = anotherWriter(fx);
    const school = String(sim.list('organizationalunits')[0]?.Name);
    const count = (i: number) =>
      writerA.record({
        recId: `B${String(i).padStart(31, '0')}`,
        school,
        createdDateTime: '2026-11-10T15:00:00Z',
        decision: { category: 'hardware', scope: 'in_scope' },
      });
    try {
      await count(1);
      clock.now = new Date(NOW.getTime() + 61_000);
      const first = writerA.flush();
      await inPatch;
      await count(2);
      clock.now = new Date(NOW.getTime() + 122_000);
      expect(await writerB.flush()).toEqual({ written: 0, skipped: 0, failed: 0 });
      release();
      expect(await first).toEqual({ written: 1, skipped: 0, failed: 0 });
      expect(schoolRecord(sim, school).SBT_InScopeCount).toBe(1);
      expect(await writerB.flush()).toEqual({ written: 1, skipped: 0, failed: 0 });
      expect(schoolRecord(sim, school)).toMatchObject({ SBT_InScopeCount: 2, SBT_Count_hardware: 2 });
    } finally {
      release();
      await writerB.stop();
    }
  });

  it('a writer that stops inside its PATCH: its lease runs out and another replica writes the school', async () => {
    // Writer A claims the school and hangs in HEAT; then its Redis connection dies (what a SIGKILLed
    // replica leaves: a claimed school, no renewals). Without the lease the school would never be dirty
    // again and HEAT would keep the old figures until the next change of its counts.
    const fx = await start({ tickets: 40, debounceSeconds: 0 });
    const { sim, redis, heat, clock, prefix } = fx;
    const { heat: heldHeat, inPatch, release } = holdSchoolPatches(heat);
    const redisA = new Redis(inject('redisUrl'));
    const writerA = anotherWriter(fx, { redis: redisA, heat: heldHeat, writeLeaseMs: 400 });
    const writerB = anotherWriter(fx, { writeLeaseMs: 400 });
    const school = String(sim.list('organizationalunits')[0]?.Name);
    try {
      for (const i of [1, 2, 3]) {
        await writerB.record({
          recId: `L${String(i).padStart(31, '0')}`,
          school,
          createdDateTime: '2026-11-10T15:00:00Z',
          decision: { category: 'hardware', scope: 'in_scope' },
        });
      }
      clock.now = new Date(NOW.getTime() + 1000);
      const stuck = writerA.flush().catch((err: unknown) => err);
      await inPatch;
      redisA.disconnect();
      // The lease is still running: the school is A's, and not dirty.
      expect(await writerB.flush()).toEqual({ written: 0, skipped: 0, failed: 0 });
      expect(await redis.zscore(`${prefix}:counts:inflight`, school)).not.toBeNull();
      // Bounded: the lease (400 ms) runs out and B takes the school over.
      let result = { written: 0, skipped: 0, failed: 0 };
      await waitUntil(
        async () => (result = await writerB.flush()).written === 1,
        5_000,
        'the school written by the other replica',
      );
      expect(result).toEqual({ written: 1, skipped: 0, failed: 0 });
      expect(schoolRecord(sim, school)).toMatchObject({ SBT_InScopeCount: 3, SBT_Count_hardware: 3 });
      expect(await redis.zcard(`${prefix}:counts:inflight`)).toBe(0);
      expect(await redis.exists(`${prefix}:counts:writing:${school}`)).toBe(0);
      release();
      expect(String(await stuck)).toMatch(/Connection is closed/);
    } finally {
      release();
      await writerA.stop().catch(() => {});
      await writerB.stop();
    }
  });

  it('a ticket in a past period, or without a school, never writes a school record', async () => {
    const { sim, counts, clock } = await start({ tickets: 20, debounceSeconds: 0 });
    const school = String(sim.list('organizationalunits')[1]?.Name);
    sim.resetStats();
    await counts.record({
      recId: 'B'.repeat(32),
      school,
      createdDateTime: '2026-10-10T15:00:00Z',
      decision: { category: 'website', scope: 'out_of_scope' },
    });
    await counts.record({
      recId: 'C'.repeat(32),
      school: null,
      createdDateTime: '2026-11-10T15:00:00Z',
      decision: { category: 'website', scope: 'out_of_scope' },
    });
    clock.now = new Date(NOW.getTime() + 1000);
    expect(await counts.flush({ force: true })).toEqual({ written: 0, skipped: 0, failed: 0 });
    expect(sim.stats().total).toBe(0);
  });

  it('one school refused by HEAT, one unknown school: the others are still written', async () => {
    let refusedRecId = '';
    const { sim, counts, clock } = await start({
      tickets: 20,
      debounceSeconds: 0,
      wrapHeat: (heat) => ({
        ...heat,
        list: (set, q) => heat.list(set, q),
        update: async (set, recId, fields) => {
          if (recId === refusedRecId) {
            throw new HeatApiError({
              status: 400,
              code: 'ISM_4000',
              messages: ['refused for the test'],
              method: 'PATCH',
              path: `/${set}`,
            });
          }
          return heat.update(set, recId, fields);
        },
      }),
    });
    const [a, b, c] = sim.list('organizationalunits');
    refusedRecId = String(b?.RecId);
    for (const [i, name] of [a?.Name, b?.Name, c?.Name, 'Nowhere Academy'].entries()) {
      await counts.record({
        recId: `D${String(i).padStart(31, '0')}`,
        school: String(name),
        createdDateTime: '2026-11-10T15:00:00Z',
        decision: { category: 'hardware', scope: 'in_scope' },
      });
    }
    clock.now = new Date(NOW.getTime() + 1000);
    expect(await counts.flush()).toEqual({ written: 2, skipped: 1, failed: 1 });
    expect(schoolRecord(sim, String(a?.Name)).SBT_Count_hardware).toBe(1);
    expect(schoolRecord(sim, String(c?.Name)).SBT_Count_hardware).toBe(1);
    expect(schoolRecord(sim, String(b?.Name)).SBT_Count_hardware).toBeFalsy();
  });
});

describe('reconcile', () => {
  it('after the counters are wiped, restores the same numbers from the tickets own tags', async () => {
    const { sim, heat, counts, redis, prefix, config, clock } = await start({
      tickets: 320,
      debounceSeconds: 0,
    });
    // Tag every seeded ticket as the worker would (its intended category), through the HEAT client,
    // and count it; leave three November tickets untagged.
    const truth = new Map(sim.truth().map((t) => [t.RecId, t.expect[0]]));
    const november = ticketsOf(sim, PERIOD, config);
    expect(november.length).toBeGreaterThan(20);
    const untagged = new Set(november.slice(0, 3).map((t) => String(t.RecId)));
    for (const ticket of sim.list('incidents')) {
      const recId = String(ticket.RecId);
      if (untagged.has(recId)) continue;
      const category = truth.get(recId);
      if (!isCategoryId(category)) throw new Error(`no truth for ${recId}`);
      await heat.update('incidents', recId, { SBT_Category: category, SBT_Scope: CATEGORY_SCOPES[category] });
      await counts.record({
        recId,
        school: (ticket.OrganizationUnitID as string | null) ?? null,
        createdDateTime: String(ticket.CreatedDateTime),
        decision: { category, scope: CATEGORY_SCOPES[category] },
      });
    }
    await counts.flush({ force: true });
    const november1 = await counts.snapshot(PERIOD);
    const october1 = await counts.snapshot('2026-10');
    expect(november1.reduce((n, r) => n + r.total, 0)).toBe(november.length - 3);
    const counted = new Set(november1.map((r) => r.school));
    const busySchoolsBefore = sim.list('organizationalunits').filter((r) => counted.has(String(r.Name)));
    const idleSchools = sim.list('organizationalunits').filter((r) => !counted.has(String(r.Name)));

    // What FLUSHALL does to our data (the Redis is shared with other test files, so only our keys go).
    expect(await deletePrefix(redis, prefix)).toBeGreaterThan(0);
    expect(await counts.snapshot(PERIOD)).toEqual([]);

    sim.resetStats();
    const result = await counts.reconcile(PERIOD);
    expect(await counts.snapshot(PERIOD)).toEqual(november1);
    expect(result).toMatchObject({
      period: PERIOD,
      range: { start: '2026-11-01T05:00:00.000Z', end: '2026-12-01T06:00:00.000Z' },
      counted: november.length - 3,
      untagged: 3,
      invalidTags: 0,
      ticketsCorrected: november.length - 3,
      ticketsRemoved: 0,
      schoolRecordsChecked: true,
      // Schools with counts already held the right numbers; units without tickets are never written.
      schoolsWritten: 0,
      schoolsFailed: 0,
      unknownSchools: [],
    });
    expect(result.untaggedSample).toHaveLength(3);
    expect(result.differences.length).toBeGreaterThan(0);
    expect(result.differences.filter((d) => !(d.before === 0 && d.after > 0))).toEqual([]);
    // Reads only: one page per 100 tickets of the period and its margins, plus the school lookups.
    expect(sim.stats().byMethod.PATCH ?? 0).toBe(0);
    expect(sim.list('organizationalunits').filter((r) => counted.has(String(r.Name)))).toEqual(
      busySchoolsBefore,
    );
    expect(idleSchools.length).toBeGreaterThan(0);
    for (const idle of idleSchools) expect(schoolRecord(sim, String(idle.Name)).SBT_CountPeriod).toBeFalsy();

    // A past period is restored too (its school records are not touched).
    const october = await counts.reconcile('2026-10');
    expect(october.schoolRecordsChecked).toBe(false);
    expect(await counts.snapshot('2026-10')).toEqual(october1);

    // Reconciling again changes nothing.
    const again = await counts.reconcile(PERIOD);
    expect(again.differences).toEqual([]);
    expect(again.ticketsCorrected).toBe(0);

    // A person re-tags a ticket in HEAT (no job ran): reconcile moves it and corrects the school record.
    const moved = november.find(
      (t) =>
        !untagged.has(String(t.RecId)) && truth.get(String(t.RecId)) !== 'telephone' && t.OrganizationUnitID,
    );
    const school = String(moved?.OrganizationUnitID);
    const oldCategory = truth.get(String(moved?.RecId)) as CategoryId;
    sim.actAsPerson(String(moved?.RecId), 'mlopez', { SBT_Category: 'telephone', SBT_Scope: 'out_of_scope' });
    const phonesBefore = Number(schoolRecord(sim, school).SBT_Count_telephone);
    clock.now = new Date(NOW.getTime() + 5000);
    const fixed = await counts.reconcile(PERIOD);
    expect(fixed.ticketsCorrected).toBe(1);
    expect(fixed.differences).toContainEqual({
      school,
      column: 'telephone',
      before: phonesBefore,
      after: phonesBefore + 1,
    });
    expect(fixed.differences).toContainEqual(expect.objectContaining({ school, column: oldCategory }));
    expect(fixed.schoolsWritten).toBe(1);
    expect(schoolRecord(sim, school).SBT_Count_telephone).toBe(phonesBefore + 1);
  });

  it('rebuilds counters that drifted from the tickets states, and drops tickets HEAT no longer has there', async () => {
    const { sim, heat, counts, redis, prefix, config } = await start({ tickets: 60, debounceSeconds: 0 });
    const november = ticketsOf(sim, PERIOD, config);
    for (const ticket of november) {
      await heat.update('incidents', String(ticket.RecId), {
        SBT_Category: 'hardware',
        SBT_Scope: 'in_scope',
      });
      await counts.record({
        recId: String(ticket.RecId),
        school: String(ticket.OrganizationUnitID),
        createdDateTime: String(ticket.CreatedDateTime),
        decision: { category: 'hardware', scope: 'in_scope' },
      });
    }
    const good = await counts.snapshot(PERIOD);
    // A ticket Redis counted in November that HEAT does not have (deleted, or a wrong date).
    await counts.record({
      recId: 'E'.repeat(32),
      school: String(november[0]?.OrganizationUnitID),
      createdDateTime: '2026-11-02T12:00:00Z',
      decision: { category: 'website', scope: 'out_of_scope' },
    });
    // Damage the period's hash directly.
    const hashKey = `${prefix}:counts:p:${PERIOD}`;
    const [field] = Object.keys(await redis.hgetall(hashKey));
    await redis.hincrby(hashKey, String(field), 7);
    const result = await counts.reconcile(PERIOD);
    expect(result.ticketsRemoved).toBe(1);
    expect(result.countersRebuilt).toBe(true);
    expect(await counts.snapshot(PERIOD)).toEqual(good);
  });
});

describe('start / stop', () => {
  it('runs the debounced writer in the background and schedules the nightly reconcile in the district zone', async () => {
    const { sim, counts, redis, prefix, config } = await start({
      tickets: 20,
      debounceSeconds: 0,
      writerTickMs: 50,
    });
    await counts.start();
    await counts.started();
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const queue = new Queue(COUNTS_QUEUE, { connection, prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ pattern: config.counts.reconcileCron, tz: 'America/Chicago' });
      const school = String(sim.list('organizationalunits')[2]?.Name);
      sim.resetStats();
      await counts.record({
        recId: 'F'.repeat(32),
        school,
        createdDateTime: '2026-11-10T15:00:00Z',
        decision: { category: 'telephone', scope: 'out_of_scope' },
      });
      await waitUntil(() => schoolPatches(sim) > 0, 5_000, 'the school written');
      expect(schoolRecord(sim, school).SBT_Count_telephone).toBe(1);
    } finally {
      await counts.stop();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
    // Stopped: later changes wait in Redis for the next process.
    sim.resetStats();
    await counts.record({
      recId: 'F'.repeat(32),
      school: 'Lincoln Elementary',
      createdDateTime: '2026-11-10T15:00:00Z',
      decision: { category: 'telephone', scope: 'out_of_scope' },
    });
    // It waits in Redis (the school is due) and nothing reached HEAT.
    expect(await redis.zscore(`${prefix}:counts:dirty`, 'Lincoln Elementary')).not.toBeNull();
    expect(sim.stats().total).toBe(0);
  });
});
