import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceConfigSchema } from '../../src/config/index.js';
import {
  createCountsService,
  NO_SCHOOL,
  type CountsService,
  type SchoolCounts,
} from '../../src/counts/index.js';
import { CATEGORY_IDS, CATEGORY_SCOPES, type CategoryId } from '../../src/domain/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { noHeat } from '../support/no-heat.js';

const NOW = new Date('2026-11-15T12:00:00Z');
let connections: Redis[] = [];
const prefixes: string[] = [];

function serviceOn(redis: Redis, prefix: string): CountsService {
  const config = serviceConfigSchema.parse({
    queue: { prefix },
    counts: { timeZone: 'America/Chicago', debounceSeconds: 60 },
  });
  return createCountsService({ redis, heat: noHeat, logger: createSilentLogger(), config, now: () => NOW });
}

function newPrefix(): string {
  const prefix = `{counts-test-${randomUUID()}}`;
  prefixes.push(prefix);
  return prefix;
}

function connect(): Redis {
  const redis = new Redis(inject('redisUrl'));
  connections.push(redis);
  return redis;
}

const decision = (category: CategoryId) => ({ category, scope: CATEGORY_SCOPES[category] });
const recId = (n: number) => n.toString(16).toUpperCase().padStart(32, '0');

/** Snapshot as {school: {column: n}} with zero columns dropped, for readable comparisons. */
function compact(rows: SchoolCounts[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    const cells: Record<string, number> = { total: row.total };
    for (const [k, v] of [...Object.entries(row.byScope), ...Object.entries(row.byCategory)])
      if (v) cells[k] = v;
    out[row.school] = cells;
  }
  return out;
}

beforeAll(() => {
  connections = [];
});

afterEach(async () => {
  const redis = connections[0] ?? connect();
  for (const prefix of prefixes.splice(0)) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.quit()));
});

describe('counting is exact', () => {
  it('counts a duplicated or retried job once', async () => {
    const counts = serviceOn(connect(), newPrefix());
    const input = {
      recId: recId(1),
      school: 'Lincoln Elementary',
      createdDateTime: '2026-11-03T09:00:00-06:00',
      decision: decision('hardware'),
    };
    const first = await counts.record(input);
    expect(first).toEqual({ changed: true, period: '2026-11' });
    for (let i = 0; i < 4; i++)
      expect(await counts.record(input)).toEqual({ changed: false, period: '2026-11' });
    expect(compact(await counts.snapshot('2026-11'))).toEqual({
      'Lincoln Elementary': { total: 1, in_scope: 1, hardware: 1 },
    });
  });

  it('moves a reclassified ticket from its old category, school and period to the new ones', async () => {
    const counts = serviceOn(connect(), newPrefix());
    const base = {
      recId: recId(2),
      school: 'Lincoln Elementary',
      createdDateTime: '2026-11-03T09:00:00-06:00',
    };
    await counts.record({ ...base, decision: decision('hardware') });
    await counts.record({
      recId: recId(3),
      school: 'Lincoln Elementary',
      createdDateTime: base.createdDateTime,
      decision: decision('hardware'),
    });
    expect(await counts.record({ ...base, decision: decision('telephone') })).toEqual({
      changed: true,
      period: '2026-11',
    });
    expect(compact(await counts.snapshot('2026-11'))).toEqual({
      'Lincoln Elementary': { total: 2, in_scope: 1, out_of_scope: 1, hardware: 1, telephone: 1 },
    });
    // A later job of the same ticket with the old decision is a real reclassification back, not a duplicate.
    await counts.record({ ...base, decision: decision('gradebook_admin') });
    await counts.record({ ...base, school: 'Jefferson High School', decision: decision('gradebook_admin') });
    expect(compact(await counts.snapshot('2026-11'))).toEqual({
      'Jefferson High School': { total: 1, restricted: 1, gradebook_admin: 1 },
      'Lincoln Elementary': { total: 1, in_scope: 1, hardware: 1 },
    });
    // CreatedDateTime corrected into October: the ticket leaves November.
    await counts.record({
      ...base,
      createdDateTime: '2026-10-31T23:59:00-05:00',
      decision: decision('website'),
    });
    expect(compact(await counts.snapshot('2026-11'))).toEqual({
      'Lincoln Elementary': { total: 1, in_scope: 1, hardware: 1 },
    });
    expect(compact(await counts.snapshot('2026-10'))).toEqual({
      'Lincoln Elementary': { total: 1, out_of_scope: 1, website: 1 },
    });
  });

  it('counts a ticket created at 23:59 on the last day of the month (Chicago) in that month', async () => {
    const counts = serviceOn(connect(), newPrefix());
    // 23:59 CST on 30 November is 05:59Z on 1 December.
    const r = await counts.record({
      recId: recId(4),
      school: 'Roosevelt Middle School',
      createdDateTime: '2026-12-01T05:59:00Z',
      decision: decision('website'),
    });
    expect(r.period).toBe('2026-11');
    await counts.record({
      recId: recId(5),
      school: 'Roosevelt Middle School',
      createdDateTime: '2026-12-01T06:00:00Z',
      decision: decision('website'),
    });
    expect(compact(await counts.snapshot('2026-11'))['Roosevelt Middle School']?.total).toBe(1);
    expect(compact(await counts.snapshot('2026-12'))['Roosevelt Middle School']?.total).toBe(1);
  });

  it('counts tickets without a school under "(no school)" and skips tickets without a creation date', async () => {
    const counts = serviceOn(connect(), newPrefix());
    await counts.record({
      recId: recId(6),
      school: null,
      createdDateTime: '2026-11-02T10:00:00Z',
      decision: decision('unclassified'),
    });
    await counts.record({
      recId: recId(7),
      school: '  ',
      createdDateTime: '2026-11-02T10:00:00Z',
      decision: decision('hardware'),
    });
    expect(
      await counts.record({
        recId: recId(8),
        school: 'X',
        createdDateTime: '0001-01-01T00:00:00Z',
        decision: decision('hardware'),
      }),
    ).toEqual({ changed: false, period: null });
    const rows = await counts.snapshot('2026-11');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ school: NO_SCHOOL, hasSchool: false, total: 2 });
    await expect(
      counts.record({
        recId: recId(9),
        school: 'X',
        createdDateTime: '2026-11-02T10:00:00Z',
        decision: { category: 'nonsense' as CategoryId, scope: 'in_scope' },
      }),
    ).rejects.toThrow(/not policy ids/);
  });

  it('two workers on two connections, 50 concurrent calls, agree with one worker counting sequentially', async () => {
    const concurrentPrefix = newPrefix();
    const sequentialPrefix = newPrefix();
    const workerA = serviceOn(connect(), concurrentPrefix);
    const workerB = serviceOn(connect(), concurrentPrefix);
    const sequential = serviceOn(connect(), sequentialPrefix);
    const schools = ['Lincoln Elementary', 'Jefferson High School', 'Roosevelt Middle School'];
    // 10 tickets, each delivered 5 times (duplicates and retries), interleaved over both workers.
    const calls = Array.from({ length: 50 }, (_, i) => {
      const ticket = i % 10;
      return {
        recId: recId(100 + ticket),
        school: schools[ticket % 3] ?? null,
        createdDateTime: `2026-11-${String(1 + ticket).padStart(2, '0')}T15:00:00Z`,
        decision: decision(CATEGORY_IDS[ticket % CATEGORY_IDS.length] as CategoryId),
      };
    });
    const results = await Promise.all(calls.map((c, i) => (i % 2 === 0 ? workerA : workerB).record(c)));
    // Exactly one of the five deliveries of each ticket changed anything.
    expect(results.filter((r) => r.changed)).toHaveLength(10);
    for (const c of calls) await sequential.record(c);
    const expected = compact(await sequential.snapshot('2026-11'));
    expect(compact(await workerA.snapshot('2026-11'))).toEqual(expected);
    expect(Object.values(expected).reduce((n, row) => n + (row.total ?? 0), 0)).toBe(10);
  });

  it('concurrent reclassifications of the same tickets never double count', async () => {
    const prefix = newPrefix();
    const workerA = serviceOn(connect(), prefix);
    const workerB = serviceOn(connect(), prefix);
    const ids = [recId(200), recId(201), recId(202)];
    // 50 calls that keep changing the category and school of three tickets, from two workers at once.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? workerA : workerB).record({
          recId: ids[i % 3] as string,
          school: i % 4 === 0 ? 'Lincoln Elementary' : 'Jefferson High School',
          createdDateTime: '2026-11-20T15:00:00Z',
          decision: decision(CATEGORY_IDS[i % CATEGORY_IDS.length] as CategoryId),
        }),
      ),
    );
    const total = (await workerA.snapshot('2026-11')).reduce((n, r) => n + r.total, 0);
    expect(total).toBe(3);
    // Whatever order they landed in, settling each ticket leaves exactly the settled counts.
    for (const id of ids) {
      await workerB.record({
        recId: id,
        school: 'Lincoln Elementary',
        createdDateTime: '2026-11-20T15:00:00Z',
        decision: decision('telephone'),
      });
    }
    expect(compact(await workerA.snapshot('2026-11'))).toEqual({
      'Lincoln Elementary': { total: 3, out_of_scope: 3, telephone: 3 },
    });
  });
});
