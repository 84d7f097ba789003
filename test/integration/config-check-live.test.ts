import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/cli-context.js';
import { registerConfigCheckCommand } from '../../src/cli/commands/config-check.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';

/** Runs `sbt-router config check …` in-process with HEAT_BASE_URL / HEAT_API_KEY pointing at the simulator. */
async function configCheck(args: string[], env: NodeJS.ProcessEnv): Promise<{ out: string; code: number }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const ctx: CliContext = { stdout, stderr: new PassThrough(), env };
  const program = new Command().exitOverride();
  registerConfigCheckCommand(program, ctx);
  process.exitCode = 0;
  await program.parseAsync(['node', 'sbt-router', 'config', 'check', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, code };
}

/** 1-based line of the first line of DIR/routing.yaml that contains TEXT. */
function lineOf(dir: string, text: string, file = 'routing.yaml'): number {
  return readFileSync(join(dir, file), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
}

describe('sbt-router config check --live against the HEAT simulator over HTTP', () => {
  let sim: Simulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  beforeAll(async () => {
    sim = createSimulator({ seed: 7, tickets: 5 });
    await sim.listen(0, '127.0.0.1');
    env = { HEAT_BASE_URL: sim.url, HEAT_API_KEY: sim.apiKey };
    dir = mkdtempSync(join(tmpdir(), 'sbt-config-live-'));
    copyFileSync('config/service.yaml', join(dir, 'service.yaml'));
    // The shipped policy, except that telephone tickets go to a team the tenant does not have.
    const routing = readFileSync('config/routing.yaml', 'utf8').replace(
      'destination: Telecommunications',
      'destination: Telecom Team That Does Not Exist',
    );
    expect(routing).toContain('Telecom Team That Does Not Exist');
    writeFileSync(join(dir, 'routing.yaml'), routing);
  });

  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the destination team HEAT does not know, with file, key and fix, and exits 1', async () => {
    const { out, code } = await configCheck([dir, '--live'], env);
    expect(code).toBe(1);
    expect(out).toContain(
      `${join(dir, 'routing.yaml')}:${lineOf(dir, 'destination: Telecom Team That Does Not Exist')} categories.telephone.destination: team "Telecom Team That Does Not Exist" does not exist in HEAT (standarduserteams)`,
    );
    expect(out).toMatch(/fix: create the team in HEAT or correct the name/);
    // Only the misspelt team is reported: the others exist in the tenant.
    expect(out.match(/does not exist in HEAT/g)).toHaveLength(1);
    expect(sim.stats().total).toBeGreaterThan(0);
  });

  it('exits 0 and says so when every destination team exists', async () => {
    const { out, code } = await configCheck(['config', '--live'], env);
    expect(code).toBe(0);
    expect(out).toMatch(/HEAT knows all \d+ destination teams/);
  });

  it('without --live does not call HEAT and accepts the unknown team', async () => {
    const before = sim.stats().total;
    const { out, code } = await configCheck([dir], env);
    expect(code).toBe(0);
    expect(out).toMatch(/: OK \(policy /);
    expect(sim.stats().total).toBe(before);
  });
});
