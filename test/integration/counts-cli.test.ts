import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliContext } from '../../src/cli/cli-context.js';
import { registerReconcileCommand } from '../../src/cli/commands/reconcile.js';
import { registerReportCommand } from '../../src/cli/commands/report.js';
import { periodOf } from '../../src/counts/index.js';
import { CATEGORY_SCOPES, isCategoryId } from '../../src/domain/index.js';
import { createHeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator;
let dir: string;
let prefix: string;
let redis: Redis;
let env: NodeJS.ProcessEnv;

async function run(args: string[], overrides: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = { stdout, stderr, env: { ...env, ...overrides } };
  const program = new Command('sbt-router').exitOverride();
  registerReconcileCommand(program, ctx);
  registerReportCommand(program, ctx);
  process.exitCode = undefined;
  await program.parseAsync(['node', 'sbt-router', ...args]);
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { out, err, code };
}

beforeAll(async () => {
  sim = createSimulator({ seed: 9, tickets: 200 });
  const url = await sim.listen(0, '127.0.0.1');
  prefix = `{counts-cli-${randomUUID()}}`;
  dir = mkdtempSync(join(tmpdir(), 'counts-cli-'));
  copyFileSync(join('config', 'routing.yaml'), join(dir, 'routing.yaml'));
  writeFileSync(join(dir, 'service.yaml'), `queue:\n  prefix: '${prefix}'\nlogging:\n  level: error\n`);
  env = { HEAT_BASE_URL: url, HEAT_API_KEY: sim.apiKey, REDIS_URL: inject('redisUrl'), SBT_CONFIG_DIR: dir };
  redis = new Redis(inject('redisUrl'));
  // Tag every ticket as the worker would have.
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
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sbt-router reconcile / report', () => {
  it('reconcile fills an empty Redis from HEAT and prints what differed; a second run finds nothing', async () => {
    const period = periodOf(new Date().toISOString(), {
      period: 'month',
      schoolYearStartMonth: 8,
      timeZone: 'America/Chicago',
    });
    const first = await run(['reconcile', '--period', period]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(new RegExp(`^Reconciled ${period} `));
    expect(first.out).toMatch(/numbers differed \(Redis before -> HEAT tags\)/);
    expect(first.out).toMatch(/school records: \d+ written, 0 failed/);

    const second = await run(['reconcile', '--period', period]);
    expect(second.out).toContain('Redis already agreed with HEAT: no differences.');
    expect(second.out).toMatch(/school records: 0 written, 0 failed/);

    const json = await run(['report', '--period', period, '--format', 'json']);
    const rows = JSON.parse(json.out) as Array<{ school: string; total: number; outOfScopeShare: number }>;
    const inPeriod = sim.list('incidents').filter(
      (t) =>
        periodOf(String(t.CreatedDateTime), {
          period: 'month',
          schoolYearStartMonth: 8,
          timeZone: 'America/Chicago',
        }) === period,
    );
    expect(rows.reduce((n, r) => n + r.total, 0)).toBe(inPeriod.length);
    const shares = rows.filter((r) => r.school !== '(no school)').map((r) => r.outOfScopeShare);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    // What HEAT shows on a school record is what the report says.
    const top = rows[0];
    const record = sim.list('organizationalunits').find((r) => r.Name === top?.school);
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
    expect(badFormat.err).toMatch(/use one of table, csv, json/);
    const empty = await run(['report', '--period', '1999-01']);
    expect(empty.out).toContain(
      'No tickets counted in 1999-01. If Redis was emptied, run: sbt-router reconcile --period 1999-01',
    );
  });
});
