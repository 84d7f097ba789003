import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import { makeConfigDir, startCli, waitFor, waitUntil } from '../support/cli-process.js';
import { parseJsonl } from '../support/jsonl.js';

const redisUrl = inject('redisUrl');

const SERVICE = `poll:
  intervalSeconds: 1
  startFrom: '2000-01-01T00:00:00Z'
worker:
  concurrency: 1
  shutdownDeadlineMs: 15000
  # The seeded ticket moves: its job reads it first (the poll row is never fresh enough), so the read
  # below shows that the job has started.
  carriedRecordMaxAgeSeconds: 0
http:
  enabled: false
`;

describe('the worker process and its signals', () => {
  let sim: Simulator | undefined;
  const kills: Array<() => void> = [];
  afterEach(async () => {
    for (const k of kills) k();
    await sim?.close();
  });

  it('SIGTERM in the middle of a job lets the job finish, then exits 0', async () => {
    // Every HEAT call takes 700 ms, so the job is certainly active when the signal arrives.
    sim = createSimulator({ seed: 51, tickets: 1, faults: { latencyMs: 700 } });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir } = makeConfigDir(SERVICE);
    const worker = startCli(['worker'], {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'info',
    });
    kills.push(() => worker.child.kill('SIGKILL'));
    // The job has started once the worker asked HEAT for the ticket itself.
    expect(await waitFor(() => (sim!.stats().byRoute['GET incidents key'] ?? 0) >= 1, 20_000, 20)).toBe(true);
    worker.child.kill('SIGTERM');
    const result = await worker.done;
    expect(result.code).toBe(0);
    const [ticket] = sim.list('incidents');
    expect(ticket!.SBT_DecisionHash).toBeTruthy();
    expect(result.stdout).toMatch(/"event":"shutdown"/);
    const stopped = parseJsonl<{ event?: string; drained?: boolean }>(
      result.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
      'stdout',
    ).find((l) => l.event === 'stopped');
    expect(stopped?.drained).toBe(true);
  }, 60_000);

  it('SIGHUP with a broken policy keeps the running one; a fixed policy is taken with a new version', async () => {
    sim = createSimulator({ seed: 52, tickets: 3 });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir } = makeConfigDir(SERVICE);
    const env = {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'info',
    };
    const worker = startCli(['worker'], env);
    kills.push(() => worker.child.kill('SIGKILL'));
    const tagged = () => sim!.list('incidents').filter((t) => t.SBT_DecisionHash);
    await waitUntil(() => tagged().length >= 3, 20_000, '3 tickets tagged');
    expect(tagged()).toHaveLength(3);
    const firstVersion = tagged()[0]!.SBT_PolicyVersion;

    const routingFile = join(dir, 'routing.yaml');
    const good = readFileSync(routingFile, 'utf8');
    writeFileSync(routingFile, `${good}\nthreshold: [oops\n`);
    worker.child.kill('SIGHUP');
    let output = '';
    worker.child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    await waitUntil(
      () => output.includes('config_reload_rejected'),
      10_000,
      'config_reload_rejected',
      () => output,
    );
    expect(output).toContain('routing.yaml');

    // Still working on the old policy.
    sim.createTickets(1);
    await waitUntil(() => tagged().length >= 4, 20_000, '4 tickets tagged');
    expect(tagged().map((t) => t.SBT_PolicyVersion)).toEqual([
      firstVersion,
      firstVersion,
      firstVersion,
      firstVersion,
    ]);

    writeFileSync(
      routingFile,
      good.replace(/^threshold: .*$/m, (line) => `${line}\n# tuned`),
    );
    worker.child.kill('SIGHUP');
    await waitUntil(
      () => output.includes('config_reloaded'),
      10_000,
      'config_reloaded',
      () => output,
    );
    sim.createTickets(1);
    await waitUntil(() => tagged().length >= 5, 20_000, '5 tickets tagged');
    expect(tagged()).toHaveLength(5);
    const newest = tagged().find((t) => t.SBT_PolicyVersion !== firstVersion);
    expect(newest).toBeDefined();

    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
  }, 90_000);

  it('--watch-config reloads when a config file changes, and rejects a broken one', async () => {
    sim = createSimulator({ seed: 53, tickets: 1 });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir } = makeConfigDir(SERVICE);
    const worker = startCli(['worker', '--watch-config'], {
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redisUrl,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'info',
    });
    kills.push(() => worker.child.kill('SIGKILL'));
    let output = '';
    worker.child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    const tail = () => output;
    await waitUntil(() => output.includes('"event":"started"'), 40_000, 'worker started', tail);
    const serviceFile = join(dir, 'service.yaml');
    const good = readFileSync(serviceFile, 'utf8');
    writeFileSync(serviceFile, `${good}worker:\n  concurrency: many\n`);
    await waitUntil(() => output.includes('config_reload_rejected'), 20_000, 'broken config rejected', tail);
    writeFileSync(serviceFile, good);
    await waitUntil(() => output.includes('config_reloaded'), 20_000, 'fixed config reloaded', tail);
    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
  }, 90_000);
});
