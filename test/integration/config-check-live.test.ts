import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/cli-context.js';
import { routingNoteSubject } from '../../src/actions/index.js';
import { registerConfigCheckCommand } from '../../src/cli/commands/config-check.js';
import { loadConfig } from '../../src/config/index.js';
import { createHeatClient, heatClientConfigFrom } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';

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

/** 1-based line of the first line of DIR/FILE that contains TEXT. */
function lineOf(dir: string, text: string, file = 'routing.yaml'): number {
  return (
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
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
    copyFileSync('config/model.json', join(dir, 'model.json'));
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
    expect(out).toContain(
      'not checked (run with --live and the HEAT settings of config/.env.example to check):\n' +
        '  - that the destination teams exist (standarduserteams)\n' +
        '  - that the custom fields exist on incidents and on the school records (organizationalunits)\n' +
        '  - that the API key acts as heat.account\n',
    );
    expect(sim.stats().total).toBe(before);
  });

  it('--live without HEAT settings names the missing variables and what it could not check (exit 1)', async () => {
    const { out, code } = await configCheck(['config', '--live'], {});
    expect(code).toBe(1);
    expect(out).toContain('environment: HEAT_BASE_URL: is not set');
    expect(out).toContain(
      'not checked (no usable HEAT settings):\n  - that the destination teams exist (standarduserteams)\n',
    );
    expect(out).toContain('  - that the API key acts as heat.account\n');
  });

  it('--live names custom fields the tenant lacks on incidents and on school records, with file, line and key', async () => {
    const fieldsDir = mkdtempSync(join(tmpdir(), 'sbt-config-live-fields-'));
    try {
      writeFileSync(
        join(fieldsDir, 'routing.yaml'),
        readFileSync('config/routing.yaml', 'utf8').replace('  scope: SBT_Scope', '  scope: SBT_NoSuchScope'),
      );
      copyFileSync('config/model.json', join(fieldsDir, 'model.json'));
      writeFileSync(
        join(fieldsDir, 'service.yaml'),
        readFileSync('config/service.yaml', 'utf8').replace(
          /^counts:\n/m,
          'counts:\n  fields: { period: SBT_NoSuchPeriod }\n',
        ),
      );
      const { out, code } = await configCheck([fieldsDir, '--live'], env);
      expect(code).toBe(1);
      expect(out).toContain(
        `${join(fieldsDir, 'routing.yaml')}:${lineOf(fieldsDir, 'scope: SBT_NoSuchScope')} fields.scope: custom field "SBT_NoSuchScope" does not exist on incidents\n` +
          '  fix: add the field SBT_NoSuchScope to that business object in HEAT (type and length: docs/heat-setup.md), or correct fields.scope\n',
      );
      expect(out).toContain(
        `${join(fieldsDir, 'service.yaml')}:${lineOf(fieldsDir, 'SBT_NoSuchPeriod', 'service.yaml')} counts.fields.period: custom field "SBT_NoSuchPeriod" does not exist on organizationalunits\n`,
      );
      expect(out.match(/does not exist on/g)).toHaveLength(2);
      expect(out).toContain('2 problem(s) found in HEAT');
    } finally {
      rmSync(fieldsDir, { recursive: true, force: true });
    }
  });

  it('--live tells whether the API key acts as heat.account, from the author of our routing notes', async () => {
    const before = await configCheck(['config', '--live'], env);
    expect(before.out).toContain(
      'not checked: that the API key acts as heat.account "sbt-router" (HEAT holds no routing note of ours yet;',
    );
    // A routing note as the worker writes it, created with the same key (HEAT stamps CreatedBy itself).
    const cfg = loadConfig({ dir: 'config', env });
    const heat = createHeatClient(heatClientConfigFrom(cfg.service, cfg.env), {
      logger: createSilentLogger(),
    });
    try {
      const [ticket] = await heat.list('incidents', { select: ['RecId'], top: 1 });
      await heat.createNote({
        parentRecId: String(ticket!['RecId']),
        subject: routingNoteSubject('Telecommunications'),
        body: 'moved by the test',
      });
    } finally {
      heat.close();
    }
    const ok = await configCheck(['config', '--live'], env);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('the API key acts as heat.account "sbt-router" (author of our routing notes)');

    const wrongDir = mkdtempSync(join(tmpdir(), 'sbt-config-live-account-'));
    try {
      copyFileSync('config/routing.yaml', join(wrongDir, 'routing.yaml'));
      copyFileSync('config/model.json', join(wrongDir, 'model.json'));
      writeFileSync(
        join(wrongDir, 'service.yaml'),
        readFileSync('config/service.yaml', 'utf8').replace(
          '  account: sbt-router',
          '  account: svc-someone-else',
        ),
      );
      const wrong = await configCheck([wrongDir, '--live'], env);
      expect(wrong.code).toBe(1);
      expect(wrong.out).toContain(
        `${join(wrongDir, 'service.yaml')}:${lineOf(wrongDir, 'account: svc-someone-else', 'service.yaml')} heat.account: HEAT stamps our writes as "sbt-router", not as "svc-someone-else" (author of our routing notes)\n` +
          '  fix: set heat.account in service.yaml to the API key\'s "On Behalf Of" login (a dedicated service account); docs/heat-setup.md "The service account"\n',
      );
    } finally {
      rmSync(wrongDir, { recursive: true, force: true });
    }
  });
});
