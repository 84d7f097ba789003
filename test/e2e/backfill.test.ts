import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import { FINAL_STATUSES } from '../../src/domain/index.js';
import { readSchoolCounts } from '../../src/counts/index.js';
import { makeConfigDir, runCli } from '../support/cli-process.js';

const redisUrl = inject('redisUrl');

const isFinal = (t: Record<string, unknown>) => FINAL_STATUSES.includes(String(t.Status));

/** Every period's per-school counts under a prefix, as one comparable object (and the grand total). */
async function countsUnder(prefix: string): Promise<{ total: number; byPeriod: Record<string, unknown> }> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${prefix}:counts:p:*`);
    const byPeriod: Record<string, unknown> = {};
    let total = 0;
    for (const period of keys.map((k) => k.slice(`${prefix}:counts:p:`.length)).sort()) {
      const rows = await readSchoolCounts(redis, prefix, period);
      byPeriod[period] = rows;
      total += rows.reduce((sum, row) => sum + row.total, 0);
    }
    return { total, byPeriod };
  } finally {
    redis.disconnect();
  }
}

describe('the built CLI: sbt-router backfill against a simulator on a free port', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('tags the open tickets through the queue, counts the Resolved/Closed ones from the pages, exits 0', async () => {
    sim = createSimulator({ seed: 21, tickets: 120, history: { closed: 30 } });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir, prefix } = makeConfigDir('counts:\n  debounceSeconds: 0\n');
    const env = {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'warn',
    };
    const all = sim.list('incidents');
    const final = all.filter(isFinal).length;
    const open = all.length - final;
    expect(all).toHaveLength(150);
    expect(final).toBeGreaterThanOrEqual(30);

    const result = await runCli(['backfill', '--since', '2000-01-01'], env);
    expect(result.stderr).not.toMatch(/"level":"error"/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `backfill since 2000-01-01 (default): 150 tickets read in 2 pages; ${open} queued for the workers, ${final} counted from the pages, 0 tagged from the pages`,
    );
    expect(result.stdout).toContain(`"tickets":${open}`);
    expect(result.stdout).toMatch(/HEAT calls: \d+ for 150 tickets = \d\.\d{3} per ticket/);
    // Open tickets are tagged; final ones are not touched (no read, no write), only counted.
    const incidents = sim.list('incidents');
    expect(incidents.filter((t) => !isFinal(t) && !t.SBT_DecisionHash)).toHaveLength(0);
    expect(incidents.filter((t) => isFinal(t) && t.SBT_DecisionHash)).toHaveLength(0);
    expect(sim.stats().byRoute['PATCH incidents']).toBe(open);
    expect(sim.stats().byRoute['GET incidents key']).toBe(open);
    expect((await countsUnder(prefix)).total).toBe(150);

    // A second backfill over the same tickets changes nothing and costs no write.
    const again = await runCli(['backfill', '--since', '2000-01-01'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `counted from the pages: {"rows":${final},"counted":0,"alreadyCounted":${final},`,
    );
    expect(sim.stats().byRoute['PATCH incidents']).toBe(open);
    expect((await countsUnder(prefix)).total).toBe(150);
  });

  it('--counts-only counts a history from its pages alone; --tag-history then tags it without a read or a second count', async () => {
    sim = createSimulator({ seed: 24, tickets: 50, history: { closed: 250 } });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir, prefix } = makeConfigDir('counts:\n  debounceSeconds: 0\n');
    const env = {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'warn',
    };
    const all = sim.list('incidents');
    expect(all).toHaveLength(300);
    const final = all.filter(isFinal).length;

    sim.resetStats();
    const counted = await runCli(['backfill', '--since', '2000-01-01', '--counts-only'], env);
    expect(counted.stderr).not.toMatch(/"level":"error"/);
    expect(counted.code).toBe(0);
    expect(counted.stdout).toContain(
      'counted from the pages: {"rows":300,"counted":300,"alreadyCounted":0,"noCreatedDate":0,"invalid":0,"pastRetention":0}',
    );
    const stats = sim.stats().byRoute;
    // 300 tickets in pages of 100: three full pages and the empty one that ends the walk.
    expect(stats['GET incidents collection']).toBe(4);
    expect(stats['GET incidents key'] ?? 0).toBe(0);
    expect(stats['PATCH incidents'] ?? 0).toBe(0);
    const schoolCalls = sim.stats().total - 4;
    // Only the schools with tickets in the current period: a lookup and a PATCH each at most.
    expect(schoolCalls).toBeLessThanOrEqual(2 * 16);
    expect(counted.stdout).toContain(
      `HEAT calls: ${sim.stats().total} for 300 tickets = ${(sim.stats().total / 300).toFixed(3)} per ticket`,
    );
    expect(sim.list('incidents').filter((t) => t.SBT_DecisionHash)).toHaveLength(0);
    const afterCounts = await countsUnder(prefix);
    expect(afterCounts.total).toBe(300);

    // The same tickets through the worker's handler: tagged, and counted under the same decisions,
    // so no counter moves (a ticket is counted once whoever counts it).
    sim.resetStats();
    const tagged = await runCli(['backfill', '--since', '2000-01-01', '--tag-history'], env);
    expect(tagged.code).toBe(0);
    expect(tagged.stdout).toContain(`${final} tagged from the pages`);
    expect(sim.list('incidents').filter((t) => !t.SBT_DecisionHash)).toHaveLength(0);
    const byRoute = sim.stats().byRoute;
    // Final tickets: one PATCH each, no read; open ones go through the queue (a read each).
    expect(byRoute['GET incidents key']).toBe(300 - final);
    expect(await countsUnder(prefix)).toEqual(afterCounts);
  });

  it('--dry-run prints the planned writes and writes nothing', async () => {
    sim = createSimulator({ seed: 22, tickets: 40 });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir } = makeConfigDir('');
    const result = await runCli(['backfill', '--since', '2000-01-01', '--dry-run'], {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    expect(result.code).toBe(0);
    const planned = result.stdout.split('\n').filter((l) => l.startsWith('{'));
    expect(planned).toHaveLength(40);
    expect(JSON.parse(planned[0]!)).toHaveProperty('fields.SBT_Category');
    expect(result.stdout).toMatch(/dry run: .*"tickets":40/);
    expect(sim.stats().byRoute['PATCH incidents'] ?? 0).toBe(0);
    expect(sim.stats().byRoute['POST journal__notess'] ?? 0).toBe(0);
  });

  it('refuses a broken config before touching HEAT, naming file, key and fix', async () => {
    sim = createSimulator({ seed: 23, tickets: 5 });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir } = makeConfigDir('poll:\n  intervalSecs: 5\n');
    const result = await runCli(['backfill', '--since', '2026-01-01'], {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
    });
    expect(result.code).toBe(2);
    const line =
      readFileSync(join(dir, 'service.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('intervalSecs')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(result.stderr).toContain(
      `${join(dir, 'service.yaml')}:${line} poll.intervalSecs: unknown key "intervalSecs". Fix: did you mean "intervalSeconds"?`,
    );
    expect(sim.stats().total).toBe(0);
  });

  it('refuses --counts-only with --tag-history, saying which to drop', async () => {
    const { dir } = makeConfigDir('');
    const result = await runCli(['backfill', '--since', '2026-01-01', '--counts-only', '--tag-history'], {
      HEAT_BASE_URL: 'http://127.0.0.1:9',
      HEAT_API_KEY: 'k',
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--counts-only writes no ticket: it cannot go with --tag-history. Fix: drop one of them',
    );
  });
});
