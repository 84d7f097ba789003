import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { serviceConfigSchema } from '../../src/config/index.js';
import {
  createCountsService,
  NO_SCHOOL,
  periodExpiresAt,
  periodOf,
  type CountsService,
  type SchoolCounts,
} from '../../src/counts/index.js';
import { CATEGORY_SCOPES, isCategoryId, type CategoryId, type HeatRecord } from '../../src/domain/index.js';
import { createHeatClient, type FilterDateFormat, type HeatClient } from '../../src/heat/index.js';
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
  simClock: { now: Date };
  counts: CountsService;
  config: ReturnType<typeof serviceConfigSchema.parse>;
  /** Every query sent through heat.pages / heat.list: [set, $filter]. */
  queries: Array<[string, string]>;
}

const open: Fixture[] = [];

async function start(
  options: {
    tickets?: number;
    filterDateFormat?: FilterDateFormat;
    /** Rewrites the $filter of incident range queries before the simulator sees it. */
    rewriteFilter?: (filter: string) => string;
    /** Rows of the incident range answers to leave out (a HEAT answer that lacks them). */
    dropFromRange?: Set<string>;
  } = {},
): Promise<Fixture> {
  const simClock = { now: NOW };
  const sim = createSimulator({ seed: 11, tickets: options.tickets ?? 120, now: () => simClock.now });
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
  const queries: Array<[string, string]> = [];
  const wrapped: HeatClient = {
    ...heat,
    pages: (set, query) => {
      queries.push([set, query?.filter ?? '']);
      const filter =
        query?.filter && options.rewriteFilter ? options.rewriteFilter(query.filter) : query?.filter;
      const pages = heat.pages(set, { ...query, ...(filter ? { filter } : {}) });
      const drop = options.dropFromRange;
      if (!drop) return pages;
      return (async function* () {
        for await (const page of pages) yield page.filter((r) => !drop.has(String(r.RecId)));
      })();
    },
    list: (set, query) => {
      queries.push([set, query?.filter ?? '']);
      return heat.list(set, query);
    },
  };
  const redis = new Redis(inject('redisUrl'));
  const prefix = `{counts-reconcile-${randomUUID()}}`;
  const config = serviceConfigSchema.parse({
    queue: { prefix },
    heat: { filterDateFormat: options.filterDateFormat ?? 'timestamp' },
    counts: { timeZone: 'America/Chicago', debounceSeconds: 0 },
  });
  const clock = { now: NOW };
  const counts = createCountsService({
    redis,
    heat: wrapped,
    logger: createSilentLogger(),
    config,
    now: () => clock.now,
  });
  const fx = { sim, heat, redis, prefix, clock, simClock, counts, config, queries };
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

/** A self-service ticket created at `iso` (the simulator stamps CreatedDateTime from its clock). */
function ticketAt(fx: Fixture, iso: string): HeatRecord {
  fx.simClock.now = new Date(iso);
  const [ticket] = fx.sim.createTickets(1);
  fx.simClock.now = NOW;
  if (!ticket) throw new Error('simulator created no ticket');
  return ticket;
}

/** Tags the tickets as the worker would (their intended category) and counts them. */
async function tagAndCount(fx: Fixture, tickets: HeatRecord[]): Promise<void> {
  const truth = new Map(fx.sim.truth().map((t) => [t.RecId, t.expect[0]]));
  for (const ticket of tickets) {
    const recId = String(ticket.RecId);
    const category = truth.get(recId);
    if (!isCategoryId(category)) throw new Error(`no truth for ${recId}`);
    fx.sim.actAsPerson(recId, 'sbt-router', { SBT_Category: category, SBT_Scope: CATEGORY_SCOPES[category] });
    await fx.counts.record({
      recId,
      school: (ticket.OrganizationUnitID as string | null) ?? null,
      createdDateTime: String(ticket.CreatedDateTime),
      decision: { category, scope: CATEGORY_SCOPES[category] },
    });
  }
}

const total = (rows: SchoolCounts[]) => rows.reduce((n, r) => n + r.total, 0);
const inPeriod = (fx: Fixture, period: string) =>
  fx.sim.list('incidents').filter((t) => periodOf(String(t.CreatedDateTime), fx.config.counts) === period);

/** Tickets near both edges of November 2026 in Chicago (CDT ends on 1 November: local midnight is 05:00Z). */
function edgeTickets(fx: Fixture) {
  return {
    lateOctober: ticketAt(fx, '2026-11-01T04:30:00Z'), // 31 Oct 23:30 CDT: October
    earlyNovember: ticketAt(fx, '2026-11-01T07:00:00Z'), // 1 Nov 01:00 CST: November
    lateNovember: ticketAt(fx, '2026-12-01T05:30:00Z'), // 30 Nov 23:30 CST: November
    earlyDecember: ticketAt(fx, '2026-12-01T06:30:00Z'), // 1 Dec 00:30 CST: December
  };
}

describe('reconcile reads a widened range in the configured date format', () => {
  it.each([
    ['timestamp', '(CreatedDateTime ge 2026-10-31T05:00:00Z and CreatedDateTime lt 2026-12-02T06:00:00Z)'],
    // Whole UTC days, rounded outwards: filterSince starts a day early, the end is the day after.
    ['date', '(CreatedDateTime ge 2026-10-30 and CreatedDateTime lt 2026-12-03)'],
  ] as const)('heat.filterDateFormat %s', async (format, expectedFilter) => {
    const fx = await start({ filterDateFormat: format });
    const edges = edgeTickets(fx);
    await tagAndCount(fx, fx.sim.list('incidents'));
    const november = await fx.counts.snapshot(PERIOD);
    expect(total(november)).toBe(inPeriod(fx, PERIOD).length);
    await deletePrefix(fx.redis, fx.prefix);

    fx.queries.length = 0;
    const result = await fx.counts.reconcile(PERIOD);
    expect(fx.queries.filter(([set]) => set === 'incidents').map(([, f]) => f)).toEqual([expectedFilter]);
    expect(result.query).toEqual({
      from: expectedFilter.split(' ')[2],
      to: expectedFilter.split(' ').at(-1)?.replace(')', ''),
    });
    // Only the period's tickets are counted; the margins (31 Oct, 1 Dec) are read and left alone.
    expect(await fx.counts.snapshot(PERIOD)).toEqual(november);
    expect(result.counted).toBe(inPeriod(fx, PERIOD).length);
    expect(result.outsidePeriod).toBeGreaterThanOrEqual(2);
    expect(await fx.counts.snapshot('2026-12')).toEqual([]);
    const edgeStates = await fx.redis.mget(
      ...[edges.earlyNovember, edges.lateNovember, edges.lateOctober, edges.earlyDecember].map(
        (t) => `${fx.prefix}:counts:t:${String(t.RecId)}`,
      ),
    );
    expect(edgeStates.map((s) => s?.split('\x1f')[0] ?? null)).toEqual([PERIOD, PERIOD, null, null]);
  });

  // Whether HEAT compares date literals in UTC or in the tenant's local time is unknown (docs/heat-api.md
  // §15): a tenant 6 h behind reads 05:00Z as 11:00Z, one 6 h ahead reads 06:00Z as 00:00Z. Tickets
  // near the period's edges must neither be lost nor removed.
  it.each([
    ['6 h behind UTC', 6],
    ['6 h ahead of UTC', -6],
  ])('a tenant %s that reads literals in its local time loses no edge ticket', async (_name, shiftHours) => {
    const fx = await start({
      rewriteFilter: (filter) =>
        filter.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, (literal) =>
          new Date(Date.parse(literal) + shiftHours * 3_600_000).toISOString().replace('.000Z', 'Z'),
        ),
    });
    const edges = edgeTickets(fx);
    await tagAndCount(fx, fx.sim.list('incidents'));
    const november = await fx.counts.snapshot(PERIOD);

    const result = await fx.counts.reconcile(PERIOD);
    expect(result).toMatchObject({
      ticketsRemoved: 0,
      ticketsMovedOut: 0,
      missedByRange: 0,
      differences: [],
    });
    expect(await fx.counts.snapshot(PERIOD)).toEqual(november);
    for (const t of [edges.earlyNovember, edges.lateNovember]) {
      expect(await fx.redis.sismember(`${fx.prefix}:counts:m:${PERIOD}`, String(t.RecId))).toBe(1);
    }

    // And after Redis is emptied, the edge tickets are counted again.
    await deletePrefix(fx.redis, fx.prefix);
    await fx.counts.reconcile(PERIOD);
    expect(await fx.counts.snapshot(PERIOD)).toEqual(november);
  });
});

describe('reconcile only removes a ticket from the period when HEAT confirms it is outside', () => {
  it('keeps a ticket the range answer lacks; moves tickets HEAT dates elsewhere; removes tickets HEAT lacks', async () => {
    const dropFromRange = new Set<string>();
    const fx = await start({ dropFromRange });
    const october31 = ticketAt(fx, '2026-10-31T17:00:00Z'); // in the margin: the range answer has it
    const september = ticketAt(fx, '2026-09-15T17:00:00Z'); // far outside: only a lookup finds it
    const novemberTickets = inPeriod(fx, PERIOD);
    await tagAndCount(fx, fx.sim.list('incidents'));
    const good = {
      november: await fx.counts.snapshot(PERIOD),
      october: await fx.counts.snapshot('2026-10'),
      september: await fx.counts.snapshot('2026-09'),
    };
    // Redis believes three more tickets are November's: two that HEAT dates elsewhere (a wrong date
    // reached the worker) and one that HEAT does not have at all.
    const decision = { category: 'website' as CategoryId, scope: CATEGORY_SCOPES.website };
    for (const ticket of [october31, september]) {
      fx.sim.actAsPerson(String(ticket.RecId), 'sbt-router', {
        SBT_Category: 'website',
        SBT_Scope: 'out_of_scope',
      });
      await fx.counts.record({
        recId: String(ticket.RecId),
        school: String(ticket.OrganizationUnitID),
        createdDateTime: '2026-11-10T15:00:00Z',
        decision,
      });
    }
    await fx.counts.record({
      recId: 'E'.repeat(32),
      school: String(october31.OrganizationUnitID),
      createdDateTime: '2026-11-10T15:00:00Z',
      decision,
    });
    // HEAT's range answer misses one November ticket (a tenant reading dates its own way, a page skipped).
    const missed = novemberTickets[3];
    dropFromRange.add(String(missed?.RecId));

    const result = await fx.counts.reconcile(PERIOD);
    expect(result).toMatchObject({
      ticketsLookedUp: 3, // the missed one, September's, and the unknown one
      missedByRange: 1,
      ticketsMovedOut: 2,
      ticketsRemoved: 1,
    });
    expect(await fx.counts.snapshot(PERIOD)).toEqual(good.november);
    expect(await fx.redis.sismember(`${fx.prefix}:counts:m:${PERIOD}`, String(missed?.RecId))).toBe(1);
    // Moved where HEAT dates them, under their tags.
    const october = await fx.counts.snapshot('2026-10');
    const september2 = await fx.counts.snapshot('2026-09');
    expect(total(october)).toBe(total(good.october));
    expect(total(september2)).toBe(total(good.september));
    expect(await fx.redis.get(`${fx.prefix}:counts:t:${String(september.RecId)}`)).toBe(
      [
        '2026-09',
        (september.OrganizationUnitID as string | null) || NO_SCHOOL,
        'website',
        'out_of_scope',
      ].join('\x1f'),
    );
    expect(await fx.redis.exists(`${fx.prefix}:counts:t:${'E'.repeat(32)}`)).toBe(0);
  });
});

describe('nightly reconcile', () => {
  it('also recounts the previous period during the first three days of a period', async () => {
    const fx = await start();
    await tagAndCount(fx, fx.sim.list('incidents'));
    const november = await fx.counts.snapshot(PERIOD);
    // On 30 November a person re-tags a ticket in HEAT, and no job counts it.
    const retagged = inPeriod(fx, PERIOD).find((t) => t.SBT_Category !== 'telephone' && t.OrganizationUnitID);
    const school = String(retagged?.OrganizationUnitID);
    fx.sim.actAsPerson(String(retagged?.RecId), 'mlopez', {
      SBT_Category: 'telephone',
      SBT_Scope: 'out_of_scope',
    });
    const phonesBefore = november.find((r) => r.school === school)?.byCategory.telephone ?? 0;

    // 2 December, 02:30 in Chicago.
    fx.clock.now = new Date('2026-12-02T08:30:00Z');
    const results = await fx.counts.nightlyReconcile();
    expect(results.map((r) => r.period)).toEqual(['2026-11', '2026-12']);
    expect(results[0]?.ticketsCorrected).toBe(1);
    const fixed = (await fx.counts.snapshot(PERIOD)).find((r) => r.school === school);
    expect(fixed?.byCategory.telephone).toBe(phonesBefore + 1);

    // From the 4th on, only the current period.
    fx.clock.now = new Date('2026-12-04T08:30:00Z');
    expect((await fx.counts.nightlyReconcile()).map((r) => r.period)).toEqual(['2026-12']);
  });
});

describe('Redis memory stays bounded', () => {
  const expireTime = (redis: Redis, key: string) => redis.call('EXPIRETIME', key) as Promise<number>;

  it('ticket states, counters and members expire 400 days after their period ends; reconcile keeps it so', async () => {
    const fx = await start({ tickets: 30 });
    await tagAndCount(fx, inPeriod(fx, PERIOD));
    const expected = periodExpiresAt(PERIOD, fx.config.counts);
    expect(new Date(expected * 1000).toISOString()).toBe('2028-01-05T06:00:00.000Z');
    const [first, second] = inPeriod(fx, PERIOD);
    const ticketKey = `${fx.prefix}:counts:t:${String(first?.RecId)}`;
    for (const key of [ticketKey, `${fx.prefix}:counts:p:${PERIOD}`, `${fx.prefix}:counts:m:${PERIOD}`]) {
      expect(await expireTime(fx.redis, key)).toBe(expected);
    }
    // A damaged hash is rebuilt with its expiry; a key left without one (older versions) gets it back.
    const hashKey = `${fx.prefix}:counts:p:${PERIOD}`;
    const [field] = Object.keys(await fx.redis.hgetall(hashKey));
    await fx.redis.hincrby(hashKey, String(field), 5);
    const otherKey = `${fx.prefix}:counts:t:${String(second?.RecId)}`;
    await fx.redis.persist(otherKey);
    await fx.redis.persist(`${fx.prefix}:counts:m:${PERIOD}`);
    const result = await fx.counts.reconcile(PERIOD);
    expect(result.countersRebuilt).toBe(true);
    for (const key of [otherKey, hashKey, `${fx.prefix}:counts:m:${PERIOD}`]) {
      expect(await expireTime(fx.redis, key)).toBe(expected);
    }
  });

  it('a ticket whose period is past the retention is not counted, and reconcile refuses that period', async () => {
    const fx = await start({ tickets: 5 });
    // June 2025 ended on 1 July 2025; 400 days later is 5 August 2026, before NOW.
    const old = await fx.counts.record({
      recId: 'A'.repeat(32),
      school: 'Lincoln Elementary',
      createdDateTime: '2025-06-10T15:00:00Z',
      decision: { category: 'hardware', scope: 'in_scope' },
    });
    expect(old).toEqual({ changed: false, period: '2025-06' });
    expect(await fx.redis.keys(`${fx.prefix}:counts:*`)).toEqual([]);
    await expect(fx.counts.reconcile('2025-06')).rejects.toThrow(
      /more than 400 days ago.*Fix: reconcile a later period/,
    );
  });
});

describe('school records', () => {
  it('are read and written only for schools with tickets; the school caches are pruned', async () => {
    const fx = await start();
    await tagAndCount(fx, fx.sim.list('incidents'));
    await fx.counts.flush({ force: true });
    const unitsBefore = fx.sim.list('organizationalunits');
    const november = await fx.counts.snapshot(PERIOD);
    const named = new Set(november.map((r) => r.school));
    const departments = unitsBefore.filter((u) => u.OrgUnitType === 'Department');
    expect(departments.length).toBeGreaterThan(0);
    const [leaving, staying, emptied] = november.filter((r) => r.hasSchool);
    // All of one school's November tickets move to another school in HEAT (no job ran); another
    // school's tickets move while Redis is empty: only its record still says it had counts.
    const moveAll = (from: string, to: string) => {
      for (const t of inPeriod(fx, PERIOD).filter((x) => x.OrganizationUnitID === from))
        fx.sim.actAsPerson(String(t.RecId), 'mlopez', { OrganizationUnitID: to });
    };
    moveAll(String(leaving?.school), String(staying?.school));
    // Junk in the caches: a school that closed, a department that old versions wrote zeros to.
    await fx.redis.hset(`${fx.prefix}:counts:written`, 'Closed Elementary', '{}');
    await fx.redis.hset(`${fx.prefix}:counts:school-recid`, String(departments[0]?.Name), 'X');

    fx.queries.length = 0;
    fx.sim.resetStats();
    const first = await fx.counts.reconcile(PERIOD);
    expect(first.schoolRecordsChecked).toBe(true);
    // Every school-set query is filtered: the set is never listed whole.
    const schoolQueries = fx.queries.filter(([set]) => set === 'organizationalunits');
    expect(schoolQueries.length).toBeGreaterThan(0);
    expect(schoolQueries.filter(([, filter]) => filter === '')).toEqual([]);
    // The school that lost its tickets gets zeros; the one that gained them its new numbers.
    expect(first.schoolsWritten).toBe(2);
    const record = (name: string) => fx.sim.list('organizationalunits').find((u) => u.Name === name);
    expect(record(String(leaving?.school))).toMatchObject({ SBT_InScopeCount: 0, SBT_CountPeriod: PERIOD });
    const stayingNow = (await fx.counts.snapshot(PERIOD)).find((r) => r.school === staying?.school);
    expect(record(String(staying?.school))?.SBT_Count_hardware).toBe(stayingNow?.byCategory.hardware);
    // Units without tickets (departments, idle schools) are untouched.
    for (const unit of unitsBefore.filter((u) => !named.has(String(u.Name)))) {
      expect(record(String(unit.Name))).toEqual(unit);
    }
    // The caches hold exactly the schools with counts now (and a record in HEAT).
    const withCounts = (await fx.counts.snapshot(PERIOD)).filter((r) => r.hasSchool).map((r) => r.school);
    expect((await fx.redis.hkeys(`${fx.prefix}:counts:school-recid`)).sort()).toEqual([...withCounts].sort());
    expect((await fx.redis.hkeys(`${fx.prefix}:counts:written`)).sort()).toEqual([...withCounts].sort());

    // Redis is emptied, then a school's tickets move away: its record (which shows this period) is zeroed.
    await deletePrefix(fx.redis, fx.prefix);
    moveAll(String(emptied?.school), String(staying?.school));
    const second = await fx.counts.reconcile(PERIOD);
    expect(second.schoolsWritten).toBe(2);
    expect(record(String(emptied?.school))).toMatchObject({ SBT_Count_hardware: 0, SBT_CountPeriod: PERIOD });
  });

  it('a record whose values HEAT hands back padded is not rewritten', async () => {
    const fx = await start({ tickets: 60 });
    await tagAndCount(fx, fx.sim.list('incidents'));
    await fx.counts.reconcile(PERIOD);
    const school = (await fx.counts.snapshot(PERIOD)).find((r) => r.hasSchool);
    const unit = fx.sim.list('organizationalunits').find((u) => u.Name === school?.school);
    // Text fields can come back with the padding they were stored with.
    await fx.heat.update('organizationalunits', String(unit?.RecId), { SBT_CountPeriod: ` ${PERIOD} ` });
    fx.sim.resetStats();
    const result = await fx.counts.reconcile(PERIOD);
    expect(result.schoolsWritten).toBe(0);
    expect(fx.sim.stats().byMethod.PATCH ?? 0).toBe(0);
  });
});
