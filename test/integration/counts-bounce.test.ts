import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceConfigSchema } from '../../src/config/index.js';
import {
  createCountsService,
  NO_SCHOOL,
  periodExpiresAt,
  readSchoolBounces,
  type CountsService,
} from '../../src/counts/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { noHeat } from '../support/no-heat.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const COUNTS = { timeZone: 'America/Chicago', debounceSeconds: 60 } as const;
let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

function serviceOn(prefix: string): CountsService {
  prefixes.push(prefix);
  const config = serviceConfigSchema.parse({ queue: { prefix }, counts: COUNTS });
  return createCountsService({ redis, heat: noHeat, logger: createSilentLogger(), config, now: () => NOW });
}

const recId = (n: number) => n.toString(16).toUpperCase().padStart(32, '0');
const ticket = (n: number, school: string | null, created = '2026-11-10T15:00:00Z') => ({
  recId: recId(n),
  school,
  createdDateTime: created,
});

describe('per-school bounce counts in Redis (routed by us, overridden by a person)', () => {
  it('counts each ticket once per kind: a retried job or a second override adds nothing', async () => {
    const prefix = `{bounce-${randomUUID()}}`;
    const counts = serviceOn(prefix);
    // Lincoln: 3 routed, 1 of them overridden (recorded twice, and its job retried).
    expect(
      await counts.recordRouting({ ...ticket(1, 'Lincoln Elementary'), routed: true, overridden: false }),
    ).toEqual({ routed: true, overridden: false });
    expect(
      await counts.recordRouting({ ...ticket(1, 'Lincoln Elementary'), routed: true, overridden: false }),
    ).toEqual({ routed: false, overridden: false });
    await counts.recordRouting({ ...ticket(2, 'Lincoln Elementary'), routed: true, overridden: false });
    await counts.recordRouting({ ...ticket(3, 'Lincoln Elementary'), routed: true, overridden: false });
    expect(
      await counts.recordRouting({ ...ticket(3, 'Lincoln Elementary'), routed: true, overridden: true }),
    ).toEqual({
      routed: false,
      overridden: true,
    });
    expect(
      await counts.recordRouting({ ...ticket(3, 'Lincoln Elementary'), routed: true, overridden: true }),
    ).toEqual({
      routed: false,
      overridden: false,
    });
    // An override seen first counts the ticket as routed too (only our routing can be overridden).
    expect(
      await counts.recordRouting({
        ...ticket(4, '  Jefferson High School '),
        routed: false,
        overridden: true,
      }),
    ).toEqual({ routed: true, overridden: true });
    // Nothing to count; no school; no creation date.
    expect(
      await counts.recordRouting({ ...ticket(5, 'Lincoln Elementary'), routed: false, overridden: false }),
    ).toEqual({ routed: false, overridden: false });
    await counts.recordRouting({ ...ticket(6, null), routed: true, overridden: false });
    expect(
      await counts.recordRouting({
        ...ticket(7, 'Lincoln Elementary', '0001-01-01T00:00:00Z'),
        routed: true,
        overridden: true,
      }),
    ).toEqual({ routed: false, overridden: false });

    expect(await readSchoolBounces(redis, prefix, '2026-11')).toEqual([
      { period: '2026-11', school: NO_SCHOOL, routed: 1, overrides: 0, bounceRate: 0 },
      { period: '2026-11', school: 'Jefferson High School', routed: 1, overrides: 1, bounceRate: 1 },
      { period: '2026-11', school: 'Lincoln Elementary', routed: 3, overrides: 1, bounceRate: 0.3333 },
    ]);
  });

  it('counts per period of the creation date (district zone), with the per-school counts retention', async () => {
    const prefix = `{bounce-${randomUUID()}}`;
    const counts = serviceOn(prefix);
    // 2026-11-01T03:00Z is still October 31 in Chicago.
    await counts.recordRouting({
      ...ticket(1, 'Lincoln Elementary', '2026-11-01T03:00:00Z'),
      routed: true,
      overridden: true,
    });
    await counts.recordRouting({
      ...ticket(2, 'Lincoln Elementary', '2026-11-02T15:00:00Z'),
      routed: true,
      overridden: false,
    });
    expect(await readSchoolBounces(redis, prefix, '2026-10')).toEqual([
      { period: '2026-10', school: 'Lincoln Elementary', routed: 1, overrides: 1, bounceRate: 1 },
    ]);
    expect(await readSchoolBounces(redis, prefix, '2026-11')).toEqual([
      { period: '2026-11', school: 'Lincoln Elementary', routed: 1, overrides: 0, bounceRate: 0 },
    ]);
    // Same expiry as the period's per-school counts (period end + 400 days).
    const expiresAt = periodExpiresAt('2026-10', {
      period: 'month',
      schoolYearStartMonth: 8,
      timeZone: COUNTS.timeZone,
    });
    expect(await redis.expiretime(`${prefix}:counts:b:2026-10`)).toBe(expiresAt);
    expect(await redis.expiretime(`${prefix}:counts:bm:2026-10`)).toBe(expiresAt);
    // A ticket of a period past the retention recreates nothing.
    expect(
      await counts.recordRouting({
        ...ticket(3, 'Lincoln Elementary', '2025-08-10T15:00:00Z'),
        routed: true,
        overridden: true,
      }),
    ).toEqual({ routed: false, overridden: false });
    expect(await redis.exists(`${prefix}:counts:b:2025-08`)).toBe(0);
  });

  it('two workers recording the same override at once count it once', async () => {
    const prefix = `{bounce-${randomUUID()}}`;
    const counts = serviceOn(prefix);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        counts.recordRouting({ ...ticket(9, 'Lincoln Elementary'), routed: true, overridden: true }),
      ),
    );
    expect(results.filter((r) => r.overridden)).toHaveLength(1);
    expect(results.filter((r) => r.routed)).toHaveLength(1);
    expect(await readSchoolBounces(redis, prefix, '2026-11')).toEqual([
      { period: '2026-11', school: 'Lincoln Elementary', routed: 1, overrides: 1, bounceRate: 1 },
    ]);
  });
});
