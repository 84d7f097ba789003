import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import { FINAL_STATUSES } from '../../src/domain/index.js';
import { readSchoolCounts } from '../../src/counts/index.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../../tools/devtools/index.js';
import { makeConfigDir, runCli, startCli, tenantEnv, waitUntil } from '../support/cli-process.js';

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
    const { prefix, env } = tenantEnv({
      heatUrl: url,
      apiKey: sim.apiKey,
      redisUrl,
      serviceYaml: 'counts:\n  debounceSeconds: 0\n',
    });
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
    const { prefix, env } = tenantEnv({
      heatUrl: url,
      apiKey: sim.apiKey,
      redisUrl,
      serviceYaml: 'counts:\n  debounceSeconds: 0\n',
    });
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

  describe('stopping and Redis outages', () => {
    let redis: ThrowawayRedis | undefined;
    afterEach(async () => {
      await redis?.stop();
      redis = undefined;
    });

    /** A slow tenant (every HEAT answer `latencyMs` late) and one job at a time, so the run lasts seconds. */
    async function slowTenant(seed: number, tickets: number, url: string, latencyMs = 15) {
      sim = createSimulator({ seed, tickets });
      sim.setFaults({ latencyMs });
      const heatUrl = await sim.listen(0, '127.0.0.1');
      const { prefix, env } = tenantEnv({
        heatUrl,
        apiKey: sim.apiKey,
        redisUrl: url,
        serviceYaml: 'worker:\n  concurrency: 1\ncounts:\n  debounceSeconds: 0\n',
      });
      return { env, prefix, open: sim.list('incidents').filter((t) => !isFinal(t)).length };
    }

    it('waits for a Redis that is killed and restarted mid-backfill, queues the lost jobs again, finishes', async () => {
      redis = await startThrowawayRedis();
      const { env, open } = await slowTenant(31, 120, redis.url);
      const patches = () => sim!.stats().byRoute['PATCH incidents'] ?? 0;
      const run = startCli(['backfill', '--since', '2000-01-01', '--redis-wait', '60'], env);
      let stderr = '';
      run.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      await waitUntil(
        () => patches() >= 10,
        30_000,
        'the first tickets tagged',
        () => stderr,
      );

      // Killed for good (no persistence: it comes back empty), then started again on its port.
      const port = redis.port;
      await redis.stop();
      redis = undefined;
      await waitUntil(
        () => stderr.includes('Redis is unreachable while'),
        15_000,
        'the outage noticed',
        () => stderr,
      );
      redis = await startThrowawayRedis({ port });

      const result = await run.done;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('waiting up to 60 s for it to come back (--redis-wait)');
      expect(result.stderr).toMatch(/Redis is back after \d+\.\d s; resuming the backfill\./);
      expect(result.stderr).toMatch(
        /Redis came back without its data: \d+ queued tickets not yet seen done are queued again\./,
      );
      // No crash: the CLI's last-resort handler prefixes its message with the program name.
      expect(result.stderr).not.toContain('sbt-router:');
      // Every open ticket is tagged in the end: nothing the lost Redis held was lost for good.
      const untagged = sim!.list('incidents').filter((t) => !isFinal(t) && !t.SBT_DecisionHash);
      expect(untagged).toHaveLength(0);
      expect(result.stdout).toContain(`${open} queued for the workers`);
    }, 120_000);

    it('--timeout stops, says the queued jobs stay queued for the workers, and exits 1', async () => {
      // About 150 ms a ticket: 150 tickets cannot drain in 5 s, however fast the machine.
      const { env, prefix, open } = await slowTenant(32, 150, redisUrl, 40);
      const result = await runCli(['backfill', '--since', '2000-01-01', '--timeout', '5'], env);
      expect(result.code).toBe(1);
      const m =
        /backfill stopped: --timeout \(5 s\) reached\. (\d+) jobs are still in the queue: they stay queued in Redis and the workers \(`sbt-router worker`\) finish them; nothing is undone\./.exec(
          result.stderr,
        );
      expect(m).not.toBeNull();
      const left = Number(m![1]);
      expect(left).toBeGreaterThan(0);
      // They are still there after the command ended.
      const check = new Redis(redisUrl);
      try {
        // Backfill jobs wait in BullMQ's prioritized set (live jobs are taken before them).
        const waiting =
          (await check.llen(`${prefix}:tickets:wait`)) + (await check.zcard(`${prefix}:tickets:prioritized`));
        expect(waiting).toBe(left);
      } finally {
        check.disconnect();
      }
      expect(sim!.list('incidents').filter((t) => t.SBT_DecisionHash).length).toBeLessThan(open);
      expect(result.stdout).toMatch(/HEAT calls: \d+ for \d+ tickets = \d\.\d{3} per ticket/);
    }, 60_000);

    it('Ctrl-C (SIGINT) stops the same way and exits 130', async () => {
      const { env } = await slowTenant(33, 150, redisUrl);
      const run = startCli(['backfill', '--since', '2000-01-01'], env);
      await waitUntil(() => (sim!.stats().byRoute['PATCH incidents'] ?? 0) >= 3, 30_000, 'tickets tagged');
      run.child.kill('SIGINT');
      const result = await run.done;
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(
        /backfill stopped: interrupted \(Ctrl-C\)\. \d+ jobs are still in the queue: they stay queued in Redis/,
      );
    }, 60_000);
  });
});
