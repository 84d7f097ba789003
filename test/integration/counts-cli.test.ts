import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerReconcileCommand } from '../../src/cli/commands/reconcile.js';
import { registerReportCommand } from '../../src/cli/commands/report.js';
import { periodOf } from '../../src/counts/index.js';
import { CATEGORY_SCOPES, isCategoryId } from '../../src/domain/index.js';
import { createHeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { deletePrefix } from '../support/delete-prefix.js';
import { runCommand } from '../support/run-command.js';

const COUNTS = { period: 'month', schoolYearStartMonth: 8, timeZone: 'America/Chicago' } as const;
/** Mid-month, so that the current period holds a third of the seeded tickets. */
const PINNED_NOW = new Date('2026-11-18T15:00:00Z');

interface Tenant {
  sim: Simulator;
  dir: string;
  prefix: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

let redis: Redis;
let tenant: Tenant;

async function run(args: string[], overrides: NodeJS.ProcessEnv = {}, on: Tenant = tenant) {
  return runCommand([registerReconcileCommand, registerReportCommand], args, {
    env: { ...on.env, ...overrides },
    now: on.now,
  });
}

/** A simulator seeded at `at` (its clock pinned there), every ticket tagged as the worker would have. */
async function startTenant(at: Date): Promise<Tenant> {
  const now = (): Date => new Date(at.getTime());
  const sim = createSimulator({ seed: 9, tickets: 200, now });
  const url = await sim.listen(0, '127.0.0.1');
  const prefix = `{counts-cli-${randomUUID()}}`;
  const dir = mkdtempSync(join(tmpdir(), 'counts-cli-'));
  copyFileSync(join('config', 'routing.yaml'), join(dir, 'routing.yaml'));
  copyFileSync('config/model.json', join(dir, 'model.json'));
  writeFileSync(join(dir, 'service.yaml'), `queue:\n  prefix: '${prefix}'\nlogging:\n  level: error\n`);
  const env = {
    HEAT_BASE_URL: url,
    HEAT_API_KEY: sim.apiKey,
    REDIS_URL: inject('redisUrl'),
    SBT_CONFIG_DIR: dir,
  };
  const heat = createHeatClient(
    {
      baseUrl: url,
      apiKey: sim.apiKey,
      timeoutMs: 10_000,
      maxConcurrency: 8,
      dailyCallBudget: 100_000,
      pageSize: 100,
      retries: { max: 1, baseDelayMs: 10, maxDelayMs: 10 },
    },
    { logger: createSilentLogger() },
  );
  for (const t of sim.truth()) {
    const category = t.expect[0];
    if (!isCategoryId(category)) continue;
    await heat.update('incidents', t.RecId, { SBT_Category: category, SBT_Scope: CATEGORY_SCOPES[category] });
  }
  heat.close();
  return { sim, dir, prefix, env, now };
}

async function stopTenant(t: Tenant): Promise<void> {
  await deletePrefix(redis, t.prefix);
  await t.sim.close();
  rmSync(t.dir, { recursive: true, force: true });
}

/** How many of the tenant's incidents were created in `period` (the district's zone). */
const createdIn = (t: Tenant, period: string): number =>
  t.sim.list('incidents').filter((r) => periodOf(String(r.CreatedDateTime), COUNTS) === period).length;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  tenant = await startTenant(PINNED_NOW);
});

afterAll(async () => {
  await stopTenant(tenant);
  await redis.quit();
});

describe('sbt-router reconcile / report', () => {
  it('reconcile fills an empty Redis from HEAT and prints what differed; a second run finds nothing', async () => {
    const period = '2026-11';
    const inPeriod = createdIn(tenant, period);
    expect(inPeriod).toBeGreaterThan(30);
    const first = await run(['reconcile', '--period', period]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(new RegExp(`^Reconciled ${period} `));
    expect(first.out).toContain(`counted ${inPeriod}, untagged 0`);
    expect(first.out).toMatch(/numbers differed \(Redis before -> HEAT tags\)/);
    expect(first.out).toMatch(/school records: \d+ written, 0 failed/);

    const second = await run(['reconcile', '--period', period]);
    expect(second.out).toContain('Redis already agreed with HEAT: no differences.');
    expect(second.out).toMatch(/school records: 0 written, 0 failed/);

    const json = await run(['report', '--period', period, '--format', 'json']);
    const rows = JSON.parse(json.out) as Array<{ school: string; total: number; outOfScopeShare: number }>;
    expect(rows.reduce((n, r) => n + r.total, 0)).toBe(inPeriod);
    const shares = rows.filter((r) => r.school !== '(no school)').map((r) => r.outOfScopeShare);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    // What HEAT shows on a school record is what the report says.
    const top = rows[0];
    const record = tenant.sim.list('organizationalunits').find((r) => r.Name === top?.school);
    expect(record?.SBT_OutOfScopeShare).toBe(top?.outOfScopeShare);

    const csv = await run(['report', '--period', period, '--format', 'csv']);
    expect(csv.out.split('\r\n')[0]).toMatch(/^period,school,total,in_scope,out_of_scope/);
    const table = await run(['report', '--period', period]);
    expect(table.out).toMatch(/^Period \S+: \d+ schools, \d+ tickets; sorted by out-of-scope share/);
  });

  it('explains what to fix: missing REDIS_URL, a period of the wrong form, an unknown format', async () => {
    const noRedis = await run(['report', '--period', '2026-11'], { REDIS_URL: '' });
    expect(noRedis.code).toBe(2);
    expect(noRedis.err).toMatch(/REDIS_URL: not set\. Fix: set REDIS_URL=redis:\/\//);
    const badPeriod = await run(['reconcile', '--period', 'November']);
    expect(badPeriod.code).toBe(2);
    expect(badPeriod.err).toMatch(/--period: period "November" is not a month id .* use the form 2026-11/);
    const badFormat = await run(['report', '--format', 'xml']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.err).toMatch(/use one of table, csv, json, html/);
  });

  it('suggests a reconcile for an empty period only where reconcile would run it', async () => {
    // Kept in Redis (ended less than 400 days ago) but empty: reconcile is suggested and accepts it.
    const kept = await run(['report', '--period', '2026-05']);
    expect(kept.out).toBe(
      'No tickets counted in 2026-05. If Redis was emptied, run: sbt-router reconcile --period 2026-05\n',
    );
    expect((await run(['reconcile', '--period', '2026-05'])).code).toBe(0);
    // Past the retention: no suggestion, and reconcile does refuse it.
    const old = await run(['report', '--period', '2025-01']);
    expect(old.out).toBe(
      "No tickets counted in 2025-01: it ended more than 400 days ago, so its counts are no longer kept in Redis and reconcile cannot rebuild them (docs/counts.md, Redis memory). HEAT's ticket tags remain the record.\n",
    );
    expect(old.out).not.toContain('sbt-router reconcile');
    const refused = await run(['reconcile', '--period', '2025-01']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/ended more than 400 days ago/);
    const future = await run(['report', '--period', '2027-03']);
    expect(future.out).toBe(
      'No tickets counted in 2027-03: it has not started yet (the current period is 2026-11).\n',
    );
    // The machine formats stay parseable; the hint goes to stderr.
    const json = await run(['report', '--period', '2025-01', '--format', 'json']);
    expect(json.out).toBe('[]\n');
    expect(json.err).toMatch(/^No tickets counted in 2025-01: it ended more than 400 days ago/);
  });

  it('html: one file with every school and the months Redis keeps; --school gives a principal a page', async () => {
    expect((await run(['reconcile', '--period', '2026-10'])).code).toBe(0);
    expect((await run(['reconcile', '--period', '2026-11'])).code).toBe(0);
    const rows = JSON.parse((await run(['report', '--period', '2026-11', '--format', 'json'])).out) as Array<{
      school: string;
      hasSchool: boolean;
      byScope: { in_scope: number };
    }>;
    const schools = rows.filter((r) => r.hasSchool);
    expect(schools.length).toBeGreaterThan(5);
    const file = join(tenant.dir, 'out', 'report.html');
    const written = await run(['report', '--period', '2026-11', '--format', 'html', '--out', file]);
    expect(written.err).toBe('');
    expect(written.code).toBe(0);
    expect(written.out).toBe(`Wrote ${file} (html, 2026-11)\n`);
    const page = readFileSync(file, 'utf8');
    expect(page.match(/<tr class="school-row">/g)?.length).toBe(schools.length);
    expect(page.match(/<svg\s+class="chart bar"/g)?.length).toBe(rows.length);
    // the trend: October (reconciled) and November; 2026-09 is empty in Redis and not shown
    expect(page).toMatch(/<td>October 2026<\/td>\s*<td>\d+<\/td>/);
    expect(page).not.toContain('September 2026');
    expect(page).toContain('Telephone system');
    expect(page).not.toMatch(/>\s*telephone\s*</);

    const top = schools[0]?.school ?? '';
    const principal = await run([
      'report',
      '--period',
      '2026-11',
      '--format',
      'html',
      '--school',
      top.toUpperCase(),
    ]);
    expect(principal.code).toBe(0);
    expect(principal.out).toContain(`<h1>${top}: how the school uses its technician</h1>`);
    expect(principal.out).toContain(`${schools[0]?.byScope.in_scope ?? -1} (`);
    const one = await run(['report', '--period', '2026-11', '--format', 'csv', '--school', top]);
    expect(one.out.split('\r\n').length).toBe(3);

    const unknown = await run([
      'report',
      '--period',
      '2026-11',
      '--format',
      'html',
      '--school',
      'Nowhere High',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toBe('');
    expect(unknown.err).toMatch(
      /^--school: no tickets counted for "Nowhere High" in 2026-11\. Fix: use a school name as the report lists it: "/,
    );
    expect(unknown.err).toContain(JSON.stringify(top));
  });

  it('report shows the bounce rate the counts hold per school (json, csv, table, html)', async () => {
    expect((await run(['reconcile', '--period', '2026-11'])).code).toBe(0);
    const rows = JSON.parse((await run(['report', '--period', '2026-11', '--format', 'json'])).out) as Array<{
      school: string;
      hasSchool: boolean;
    }>;
    const school = rows.find((r) => r.hasSchool)?.school ?? '';
    // As the workers leave them: 4 tickets of the school routed by us, 1 of them overridden.
    const key = `${tenant.prefix}:counts:b:2026-11`;
    await redis.hset(key, `routed\x1f${school}`, '4', `override\x1f${school}`, '1');
    try {
      const json = JSON.parse(
        (await run(['report', '--period', '2026-11', '--format', 'json'])).out,
      ) as Array<{
        school: string;
        routedByUs: number;
        overrides: number;
        bounceRate: number | null;
      }>;
      const bounce = json.map((r) => [r.school, r.routedByUs, r.overrides, r.bounceRate]);
      expect(bounce.find(([s]) => s === school)).toEqual([school, 4, 1, 0.25]);
      expect(
        bounce
          .filter(([s]) => s !== school)
          .every(([, routed, o, rate]) => routed === 0 && o === 0 && rate === null),
      ).toBe(true);
      const csv = (await run(['report', '--period', '2026-11', '--format', 'csv', '--school', school])).out;
      expect(csv.split('\r\n')[1]?.endsWith(',4,1,0.25')).toBe(true);
      expect((await run(['report', '--period', '2026-11'])).out).toContain('25.0% (1 of 4)');
      const html = (await run(['report', '--period', '2026-11', '--format', 'html', '--school', school])).out;
      expect(html).toContain('a bounce rate of 25.0%.');
      expect(html).not.toContain('not available');
    } finally {
      await redis.del(key);
    }
  });

  it('written_to_heat is true only for the current period: HEAT school records hold no other', async () => {
    expect((await run(['reconcile', '--period', '2026-10'])).code).toBe(0);
    const past = (await run(['report', '--period', '2026-10', '--format', 'csv'])).out.trim().split('\r\n');
    expect(past.length).toBeGreaterThan(2);
    expect(new Set(past.slice(1).map((l) => l.split(',').at(-4)))).toEqual(new Set(['false']));
    const current = (await run(['report', '--period', '2026-11', '--format', 'csv'])).out
      .trim()
      .split('\r\n');
    const flags = current.slice(1).map((l) => [l.split(',')[1], l.split(',').at(-4)]);
    expect(flags.filter(([school]) => school !== '(no school)').every(([, f]) => f === 'true')).toBe(true);
    expect(flags.length).toBeGreaterThan(2);
  });
});

/**
 * The calendar's edges in the district's zone (America/Chicago): the default period is the one the
 * pinned clock falls in, and every ticket created in it, and in the period before, is counted.
 */
describe.each([
  { name: 'first hour of a month', at: '2026-12-01T06:30:00Z', current: '2026-12', previous: '2026-11' },
  { name: 'last hour of a month', at: '2026-12-01T05:30:00Z', current: '2026-11', previous: '2026-10' },
  { name: 'Dec 31, last hour', at: '2027-01-01T05:45:00Z', current: '2026-12', previous: '2026-11' },
  { name: 'Jan 1, first hour', at: '2027-01-01T06:15:00Z', current: '2027-01', previous: '2026-12' },
  { name: 'spring DST change', at: '2027-03-14T08:30:00Z', current: '2027-03', previous: '2027-02' },
  {
    name: 'autumn DST change (second 01:30)',
    at: '2026-11-01T07:30:00Z',
    current: '2026-11',
    previous: '2026-10',
  },
  { name: 'school-year start', at: '2026-08-01T05:30:00Z', current: '2026-08', previous: '2026-07' },
])('reconcile at a pinned instant: $name ($at)', ({ at, current, previous }) => {
  let edge: Tenant;
  beforeAll(async () => {
    edge = await startTenant(new Date(at));
  });
  afterAll(async () => {
    await stopTenant(edge);
  });

  it(`counts ${current} by default and ${previous} when asked`, async () => {
    const now = await run(['reconcile', '--json'], {}, edge);
    expect(now.err).toBe('');
    expect(now.code).toBe(0);
    const nowResult = JSON.parse(now.out) as { period: string; counted: number };
    expect(nowResult.period).toBe(current);
    expect(nowResult.counted).toBe(createdIn(edge, current));

    const before = await run(['reconcile', '--period', previous, '--json'], {}, edge);
    expect(before.code).toBe(0);
    const beforeResult = JSON.parse(before.out) as { period: string; counted: number };
    expect(beforeResult.period).toBe(previous);
    const expected = createdIn(edge, previous);
    expect(expected).toBeGreaterThan(0);
    expect(beforeResult.counted).toBe(expected);
  });
});
