import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerRollbackCommand } from '../../src/cli/commands/rollback.js';
import { classifyTicket, compileLoadedPolicy } from '../../src/classify/index.js';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { createCountsService, periodOf, readSchoolCounts } from '../../src/counts/index.js';
import type { HeatRecord } from '../../src/domain/index.js';
import { createHeatClient, type HeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createProcessedStore } from '../../src/queue/index.js';
import { buildRuntime, processTicket } from '../../src/service/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { deletePrefix } from '../support/delete-prefix.js';
import { TICKET_TEXTS, createTicket, schoolNames } from '../support/pipeline-fixture.js';
import { runCommand } from '../support/run-command.js';

/*
 * Undoing a bad rollout (issue 12 item 6): a routing.yaml whose extra rule sends printer tickets to
 * Telecommunications is rolled out and processes tickets through the worker's own handler; the
 * corrected config goes back in force, and `sbt-router rollback` re-decides what the bad version did.
 * The simulator over HTTP, the test run's Redis, every clock pinned.
 */

const BASE_MS = Date.parse('2026-11-18T15:00:00Z');
/** The router's clock (plans, counts): an hour after the rollout. */
const NOW = new Date(BASE_MS + 3_600_000);
const now = (): Date => new Date(NOW.getTime());
const SINCE = '2026-11-18T14:00:00Z';
const TECHNICIANS = 'School Technicians';
const INTAKE = 'ITS Service Desk';

const PRINTER = {
  Subject: 'Printer',
  Symptom: 'The printer in room 4 prints blank pages and the paper jams every time.',
  Category: 'Printer',
};

let redis: Redis;
let sim: Simulator;
let heat: HeatClient;
let dir: string;
let good: LoadedConfig;
let bad: LoadedConfig;
let env: NodeJS.ProcessEnv;
let prefix: string;
const ids: Record<string, string> = {};

function writeConfig(name: string, routingText: string): string {
  const d = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(d, 'routing.yaml'), routingText);
  copyFileSync('config/model.json', join(d, 'model.json'));
  writeFileSync(join(d, 'service.yaml'), `queue:\n  prefix: '${prefix}'\nlogging:\n  level: error\n`);
  return d;
}

function ticket(recId: string): HeatRecord {
  const t = sim.get('incidents', recId);
  if (!t) throw new Error(`ticket ${recId} is not in the simulator`);
  return t;
}

async function rollback(args: string[]) {
  return runCommand([registerRollbackCommand], ['rollback', ...args], { env, now });
}

function writes(): { patches: number; notes: number } {
  const s = sim.stats().byRoute;
  return { patches: s['PATCH incidents'] ?? 0, notes: s['POST journal__notess'] ?? 0 };
}

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  prefix = `{rollback-${randomUUID()}}`;
  // The simulator's clock moves one millisecond per reading, so notes and writes keep their order.
  let simMs = BASE_MS;
  sim = createSimulator({
    seed: 21,
    tickets: 0,
    timestampPrecision: 'millisecond',
    enforceRequiredFields: false,
    now: () => new Date((simMs += 1)),
  });
  const url = await sim.listen(0, '127.0.0.1');
  dir = mkdtempSync(join(tmpdir(), 'sbt-rollback-'));
  const shipped = readFileSync('config/routing.yaml', 'utf8');
  const badDoc = parseDocument(shipped);
  // The bad rollout: printer tickets become telephone work (and go to Telecommunications): a mistaken
  // rule, and the model's veto switched off so that the rule decides.
  badDoc.setIn(['model', 'modelVeto'], 0);
  // ... and the conflict review turned off, which would otherwise send them to review.
  badDoc.setIn(['model', 'conflictReview'], 1);
  const rules = badDoc.get('rules') as { items: unknown[] };
  rules.items.unshift(
    badDoc.createNode({
      id: 'bad-printer-is-phone',
      category: 'telephone',
      description: 'a mistaken rule',
      weight: 40,
      any: ['printer', 'printers'],
    }),
  );
  env = { HEAT_BASE_URL: url, HEAT_API_KEY: sim.apiKey, REDIS_URL: inject('redisUrl') };
  const goodDir = writeConfig('good', shipped);
  const badDir = writeConfig('bad', badDoc.toString());
  env.SBT_CONFIG_DIR = goodDir;
  good = loadConfig({ dir: goodDir, env });
  bad = loadConfig({ dir: badDir, env });
  heat = createHeatClient(
    {
      baseUrl: url,
      apiKey: sim.apiKey,
      timeoutMs: 10_000,
      maxConcurrency: 4,
      dailyCallBudget: 100_000,
      pageSize: 100,
      retries: { max: 1, baseDelayMs: 10, maxDelayMs: 10 },
    },
    { logger: createSilentLogger() },
  );
});

afterAll(async () => {
  heat?.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sbt-router rollback: undoing a bad policy version', () => {
  it('the two policies decide the test tickets as intended (precondition)', () => {
    const goodPolicy = compileLoadedPolicy(good);
    const badPolicy = compileLoadedPolicy(bad);
    expect(classifyTicket({ RecId: 'X', ...PRINTER }, goodPolicy).category).toBe('hardware');
    expect(classifyTicket({ RecId: 'X', ...PRINTER }, badPolicy).category).toBe('telephone');
    expect(classifyTicket({ RecId: 'X', ...TICKET_TEXTS.telephone }, goodPolicy).category).toBe('telephone');
    expect(classifyTicket({ RecId: 'X', ...TICKET_TEXTS.telephone }, badPolicy).category).toBe('telephone');
    expect(good.policyVersion).not.toBe(bad.policyVersion);
  });

  it('moves back what the bad version moved, leaves a person-moved ticket alone, keeps counts exact, and a second run changes nothing', async () => {
    const [schoolA, schoolB] = schoolNames(sim);
    if (!schoolA || !schoolB) throw new Error('the seeded tenant has fewer than two schools');
    const make = async (name: string, fields: Record<string, unknown>, school: string) => {
      const created = await createTicket(sim, { ...fields, OrganizationUnitID: school, Status: 'Logged' });
      ids[name] = String(created.RecId);
    };
    await make('p1', PRINTER, schoolA);
    await make('p2', PRINTER, schoolA);
    await make('p3', PRINTER, schoolB);
    await make('p4', PRINTER, schoolA);
    await make('phone', TICKET_TEXTS.telephone, schoolA);

    // The bad version in force: the worker's handler, with its counts and processed stores.
    const counts = createCountsService({
      redis,
      heat,
      logger: createSilentLogger(),
      config: bad.service,
      fields: bad.routing.fields,
      now,
      scheduleReconcile: false,
    });
    const runtime = buildRuntime(bad);
    for (const recId of Object.values(ids)) {
      await processTicket(
        { v: 1, recId, source: 'backfill', receivedAt: NOW.toISOString() },
        { jobId: `bad-${recId}`, attempt: 1 },
        {
          heat,
          logger: createSilentLogger(),
          runtime: () => runtime,
          processed: createProcessedStore(redis, prefix),
          counts,
          now,
        },
      );
    }
    await counts.flush({ force: true });
    for (const name of ['p1', 'p2', 'p3', 'p4', 'phone']) {
      const t = ticket(ids[name]!);
      expect(t.OwnerTeam, name).toBe('Telecommunications');
      expect(t.SBT_PolicyVersion, name).toBe(bad.policyVersion);
      expect(sim.notesFor(ids[name]!).length, name).toBe(1);
    }
    // A person takes p4 back to the service desk after our routing: their choice stands.
    const desk = sim.list('employees').find((e) => e.Team === INTAKE && e.LoginID !== 'sbt-router');
    sim.actAsPerson(ids.p4!, String(desk?.LoginID), { OwnerTeam: INTAKE, Owner: '' });
    const p4Before = ticket(ids.p4!);

    const period = periodOf(NOW.toISOString(), good.service.counts);
    const countsOf = async (school: string) => {
      const row = (await readSchoolCounts(redis, prefix, period)).find((r) => r.school === school);
      return { hardware: row?.byCategory.hardware ?? 0, telephone: row?.byCategory.telephone ?? 0 };
    };
    expect(await countsOf(schoolA)).toEqual({ hardware: 0, telephone: 4 });
    expect(await countsOf(schoolB)).toEqual({ hardware: 0, telephone: 1 });

    // Dry run: the plan printed, nothing written.
    const before = writes();
    const dry = await rollback(['--policy', bad.policyVersion, '--since', SINCE, '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(writes()).toEqual(before);
    expect(dry.out).toContain('HEAT calls: 8\n');
    const planned = dry.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { RecId: string; outcome: string; moveTo: string | null });
    expect(planned.map((p) => [p.RecId, p.outcome, p.moveTo]).sort()).toEqual(
      [
        [ids.p1, 'moved_back', TECHNICIANS],
        [ids.p2, 'moved_back', TECHNICIANS],
        [ids.p3, 'moved_back', TECHNICIANS],
        [ids.phone, 'retagged', null],
      ].sort(),
    );
    expect(dry.out).toContain(
      'dry run: examined 5; moved back would be 3; re-tagged only would be 1; routed by the active policy would be 0; left alone because a person changed them 1; already right 0; failed 0',
    );

    // The run.
    const run = await rollback(['--policy', bad.policyVersion, '--since', SINCE]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(
      'examined 5; moved back 3; re-tagged only 1; routed by the active policy 0; left alone because a person changed them 1; already right 0; failed 0',
    );
    expect(run.out).toContain(`left alone: incident ${String(p4Before.IncidentNumber)}: in ${INTAKE}`);
    // Writes: 3 moves + 1 re-tag, 3 notes (on top of the school-count write-back).
    expect(writes().patches - before.patches).toBe(4);
    expect(writes().notes - before.notes).toBe(3);
    // 1 tenant-field sample, 1 incidents query, 1 notes query, 5 reads, 4 PATCHes, 3 notes, 2 school records.
    expect(run.out).toContain('HEAT calls: 17\n');

    for (const name of ['p1', 'p2', 'p3']) {
      const t = ticket(ids[name]!);
      expect(t.OwnerTeam, name).toBe(TECHNICIANS);
      expect(t.Owner ?? '', name).toBe('');
      expect(t.SBT_RoutedTo, name).toBe(TECHNICIANS);
      expect(t.SBT_Category, name).toBe('hardware');
      expect(t.SBT_Scope, name).toBe('in_scope');
      expect(t.SBT_PolicyVersion, name).toBe(good.policyVersion);
      const notes = sim.notesFor(ids[name]!);
      expect(notes.length, name).toBe(2);
      const correcting = notes.find((n) => String(n.Subject).startsWith('Moved back'));
      expect(correcting?.Subject).toBe(
        `Moved back to ${TECHNICIANS}: policy ${bad.policyVersion} was withdrawn`,
      );
      const body = String(correcting?.NotesBody).split('\n');
      expect(body[0]).toBe(`Moved back: policy ${bad.policyVersion} was withdrawn.`);
      expect(body).toContain(`[sbt-router rollback of policy ${bad.policyVersion}]`);
      expect(body[body.length - 1]).toBe(`[sbt-router decision ${String(t.SBT_DecisionHash)}]`);
      expect(correcting?.PublishToWeb).toBe(false);
    }
    const phone = ticket(ids.phone!);
    expect(phone.OwnerTeam).toBe('Telecommunications');
    expect(phone.SBT_PolicyVersion).toBe(good.policyVersion);
    expect(sim.notesFor(ids.phone!).length).toBe(1);
    // The person's ticket: not one field written, no note.
    expect(ticket(ids.p4!)).toEqual(p4Before);
    expect(sim.notesFor(ids.p4!).length).toBe(1);

    // Counts moved with the category: Redis and the school records in HEAT.
    expect(await countsOf(schoolA)).toEqual({ hardware: 2, telephone: 2 });
    expect(await countsOf(schoolB)).toEqual({ hardware: 1, telephone: 0 });
    const record = (school: string) => sim.list('organizationalunits').find((o) => o.Name === school);
    expect(record(schoolA)?.SBT_Count_hardware).toBe(2);
    expect(record(schoolA)?.SBT_Count_telephone).toBe(2);
    expect(record(schoolB)?.SBT_Count_hardware).toBe(1);
    expect(record(schoolB)?.SBT_Count_telephone).toBe(0);

    // Twice: nothing more.
    const after = writes();
    const again = await rollback(['--policy', bad.policyVersion, '--since', SINCE]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain(
      'examined 5; moved back 0; re-tagged only 0; routed by the active policy 0; left alone because a person changed them 1; already right 4; failed 0',
    );
    expect(writes()).toEqual(after);
    expect(again.out).toContain('HEAT calls: 8\n');
    for (const name of ['p1', 'p2', 'p3']) expect(sim.notesFor(ids[name]!).length, name).toBe(2);
    expect(await countsOf(schoolA)).toEqual({ hardware: 2, telephone: 2 });
  });

  it('refuses to roll back the version in force, and a date that is not one', async () => {
    const same = await rollback(['--policy', good.policyVersion, '--since', SINCE, '--config', 'config']);
    expect(same.code).toBe(2);
    expect(same.err).toContain('is the policy version of the config');
    const date = await rollback(['--policy', 'x', '--since', 'last tuesday']);
    expect(date.code).toBe(2);
    expect(date.err).toContain('--since: "last tuesday" is not a date');
  });
});
