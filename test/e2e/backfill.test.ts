import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import { makeConfigDir, runCli } from '../support/cli-process.js';

const redisUrl = inject('redisUrl');

describe('the built CLI: sbt-router backfill against a simulator on a free port', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('tags every incident modified since the date, waits for the queue, prints a summary, exits 0', async () => {
    sim = createSimulator({ seed: 21, tickets: 120 });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir } = makeConfigDir('counts:\n  debounceSeconds: 0\n');
    const env = {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'warn',
    };

    const result = await runCli(['backfill', '--since', '2000-01-01'], env);
    expect(result.stderr).not.toMatch(/"level":"error"/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/backfill since 2000-01-01: 120 tickets queued/);
    expect(result.stdout).toMatch(/"tickets":120/);
    const untagged = sim.list('incidents').filter((t) => !t.SBT_DecisionHash);
    expect(untagged).toHaveLength(0);
    expect(sim.stats().byRoute['PATCH incidents']).toBe(120);

    // A second backfill over the same tickets changes nothing and costs no write.
    const again = await runCli(['backfill', '--since', '2000-01-01'], env);
    expect(again.code).toBe(0);
    expect(sim.stats().byRoute['PATCH incidents']).toBe(120);
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
});
