import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerExplainCommand } from '../../src/cli/commands/explain.js';
import { registerStatusCommand, type ServiceStatus } from '../../src/cli/commands/status.js';
import { loadConfig } from '../../src/config/index.js';
import { createHeatClient, heatClientConfigFrom } from '../../src/heat/index.js';
import { createPollStatusStore } from '../../src/ingest/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createParkedStore, createRetryStore, createTicketQueue } from '../../src/queue/index.js';
import { DEFAULT_INCIDENT_CUSTOM_FIELDS, createSimulator, type Simulator } from 'heat-simulator';
import { TICKET_TEXTS, createTicket, schoolNames } from '../support/pipeline-fixture.js';
import { waitUntil } from '../support/cli-process.js';
import { deletePrefix } from '../support/delete-prefix.js';
import { runCommand } from '../support/run-command.js';

const PINNED_NOW = new Date('2026-11-18T15:00:00Z');

let redis: Redis;
let sim: Simulator;
let dir: string;
let prefix: string;
let env: NodeJS.ProcessEnv;

async function run(args: string[], overrides: NodeJS.ProcessEnv = {}) {
  return runCommand([registerExplainCommand, registerStatusCommand], args, {
    env: { ...env, ...overrides },
    now: () => new Date(PINNED_NOW.getTime()),
  });
}

async function statusJson(): Promise<ServiceStatus> {
  const r = await run(['status', '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as ServiceStatus;
}

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  sim = createSimulator({ seed: 12, tickets: 20, now: () => new Date(PINNED_NOW.getTime()) });
  const url = await sim.listen(0, '127.0.0.1');
  prefix = `{status-cli-${randomUUID()}}`;
  dir = mkdtempSync(join(tmpdir(), 'status-cli-'));
  copyFileSync(join('config', 'routing.yaml'), join(dir, 'routing.yaml'));
  copyFileSync('config/model.json', join(dir, 'model.json'));
  writeFileSync(join(dir, 'service.yaml'), `queue:\n  prefix: '${prefix}'\nlogging:\n  level: error\n`);
  env = { HEAT_BASE_URL: url, HEAT_API_KEY: sim.apiKey, REDIS_URL: inject('redisUrl'), SBT_CONFIG_DIR: dir };
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await sim.close();
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe('sbt-router explain --incident / --recid', () => {
  it('reads a gradebook ticket from HEAT and shows its decision, destination and planned writes, never its text', async () => {
    const [school] = schoolNames(sim);
    const created = await createTicket(sim, { ...TICKET_TEXTS.gradebook_admin, OrganizationUnitID: school });
    const number = Number(created.IncidentNumber);
    expect(Number.isInteger(number)).toBe(true);

    const r = await run(['explain', '--incident', String(number)]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`^Incident ${number}: gradebook_admin \\(restricted\\) RESTRICTED, rule gb-`),
    );
    expect(r.out).toContain('destination Gradebook Managers');
    expect(r.out).toContain('Would do (enforce mode): restrict');
    expect(r.out).toContain('  write OwnerTeam = "Gradebook Managers"');
    expect(r.out).toContain('  write SBT_Category = "gradebook_admin"');
    expect(r.out).toContain('  write SBT_Restricted = true');
    expect(r.out).toContain('  write Owner = (clear)');
    expect(r.out).toContain('  move: to Gradebook Managers');
    expect(r.out).toContain('  note: "Routed to Gradebook Managers by the SBT scope policy"');
    expect(r.out).toContain('The ticket now:');
    expect(r.out).toContain('  SBT_Category = (empty)');
    expect(r.out).toContain(`  OwnerTeam = ${JSON.stringify(created.OwnerTeam)}`);
    expect(r.out).not.toContain(TICKET_TEXTS.gradebook_admin.Subject);
    expect(r.out).not.toContain(TICKET_TEXTS.gradebook_admin.Symptom.slice(0, 30));
    // Nothing was written: explain only reads.
    expect(sim.get('incidents', String(created.RecId))?.['OwnerTeam']).toBe(created.OwnerTeam);

    const byRecId = await run(['explain', '--recid', String(created.RecId), '--json']);
    expect(byRecId.code).toBe(0);
    const json = JSON.parse(byRecId.out) as {
      incidentNumber: number;
      decision: { category: string };
      destination: string;
      plan: { fields: Record<string, unknown>; moveTo: string };
    };
    expect(json.incidentNumber).toBe(number);
    expect(json.decision.category).toBe('gradebook_admin');
    expect(json.destination).toBe('Gradebook Managers');
    expect(json.plan.fields['OwnerTeam']).toBe('Gradebook Managers');
    expect(json.plan.moveTo).toBe('Gradebook Managers');
    expect(byRecId.out).not.toContain(TICKET_TEXTS.gradebook_admin.Subject);
  });

  it('leaves out the fields the tenant lacks, as the worker does', async () => {
    const lacking = ['SBT_DecisionHash', 'SBT_RoutedTo'];
    const small = createSimulator({
      seed: 13,
      tickets: 5,
      now: () => new Date(PINNED_NOW.getTime()),
      customFields: { incidents: DEFAULT_INCIDENT_CUSTOM_FIELDS.filter((f) => !lacking.includes(f)) },
    });
    const url = await small.listen(0, '127.0.0.1');
    try {
      const [school] = schoolNames(small);
      const created = await createTicket(small, {
        ...TICKET_TEXTS.gradebook_admin,
        OrganizationUnitID: school,
      });
      const r = await run(['explain', '--incident', String(created.IncidentNumber)], {
        HEAT_BASE_URL: url,
        HEAT_API_KEY: small.apiKey,
      });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(
        "  not written (the tenant's incidents lack these fields): SBT_DecisionHash, SBT_RoutedTo\n",
      );
      expect(r.out).not.toContain('write SBT_RoutedTo');
      expect(r.out).not.toContain('write SBT_DecisionHash');
      expect(r.out).toContain('  write OwnerTeam = "Gradebook Managers"');
    } finally {
      await small.close();
    }
  });

  it('an unknown incident or RecId says so and exits 1; a bad number exits 2', async () => {
    const missing = await run(['explain', '--incident', '99999999']);
    expect(missing.code).toBe(1);
    expect(missing.out).toBe('');
    expect(missing.err).toBe('incident 99999999: not found in HEAT (incidents). Fix: check the number\n');
    const missingRec = await run(['explain', '--recid', 'NOPE0000000000000000000000000000']);
    expect(missingRec.code).toBe(1);
    expect(missingRec.err).toContain('RecId NOPE0000000000000000000000000000: not found in HEAT');
    const bad = await run(['explain', '--incident', '12a']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--incident 12a: not an incident number');
    const none = await run(['explain']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('give exactly one of FILE');
  });
});

describe('sbt-router status', () => {
  it('reports an empty prefix, then the jobs, retry set, last poll and workers Redis holds', async () => {
    const empty = await statusJson();
    expect(empty.at).toBe(PINNED_NOW.toISOString());
    expect(empty.mode).toBe('enforce');
    expect(empty.policyVersion).toMatch(/^[0-9a-f]{6,}$/);
    expect(empty.modelVersion).toMatch(/^[0-9a-f]{6,}$/);
    expect(empty.queue).toEqual({
      waiting: 0,
      prioritized: 0,
      active: 0,
      delayed: 0,
      failed: 0,
      completed: 0,
      retrySet: 0,
      parked: 0,
      recentFailures: [],
      workers: [],
    });
    expect(empty.poll.lastSuccessAt).toBe(null);
    expect(empty.poll.lagSeconds).toBe(null);
    expect(empty.heatBudget).toEqual({
      day: '2026-11-18',
      used: 0,
      budget: 50_000,
      ratio: 0,
      level: 'normal',
      shared: true,
      backoffUntil: null,
      resetsAt: '2026-11-19T00:00:00.000Z',
      backfillDelayMs: 0,
    });

    const text = await run(['status']);
    expect(text.code).toBe(0);
    expect(text.out).toContain(
      '  queue           waiting 0, active 0, delayed 0, failed 0, completed (kept) 0\n',
    );
    expect(text.out).toContain('  poll            no poll has finished yet (interval 30 s)\n');
    expect(text.out).toContain('  replicas seen   0 workers connected to the tickets queue\n');
    expect(text.out).toContain('  recent errors   none (no failed job kept)\n');

    const queue = createTicketQueue({ connection: redis, prefix, attempts: 3, backoffMs: 1000 });
    await queue.enqueueMany(
      ['A', 'B', 'C'].map((c) => c.repeat(32)).map((recId) => ({ recId, source: 'poll' as const })),
      PINNED_NOW,
    );
    await queue.close();
    const retry = createRetryStore(redis, prefix);
    await retry.add('1'.repeat(32));
    await retry.add('2'.repeat(32));
    await createParkedStore(redis, prefix).park('3'.repeat(32), {
      reason: 'unknown_destination',
      team: 'Telecom Team',
      at: PINNED_NOW.toISOString(),
    });
    const polls = createPollStatusStore(redis, prefix);
    polls.recordSuccess(new Date(PINNED_NOW.getTime() - 90_000));
    await waitUntil(async () => (await polls.lastSuccessAt()) !== null, 5_000, 'poll status written');

    // Two HEAT calls of another process on the same Redis and prefix land in the shared count.
    const other = createHeatClient(
      heatClientConfigFrom(loadConfig({ env }).service, loadConfig({ env }).env),
      {
        logger: createSilentLogger(),
        now: () => new Date(PINNED_NOW.getTime()),
        budgetStore: { redis, prefix },
      },
    );
    const [first] = sim.list('incidents');
    await other.getByRecId('incidents', String(first!.RecId));
    await other.getByRecId('incidents', String(first!.RecId));
    other.close();

    const filled = await statusJson();
    expect(filled.heatBudget.used).toBe(2);
    expect(filled.queue.waiting).toBe(3);
    expect(filled.queue.active).toBe(0);
    expect(filled.queue.retrySet).toBe(2);
    expect(filled.queue.parked).toBe(1);
    expect(filled.poll.lastSuccessAt).toBe('2026-11-18T14:58:30.000Z');
    expect(filled.poll.lagSeconds).toBe(90);
    const filledText = await run(['status']);
    expect(filledText.out).toContain('  queue           waiting 3, active 0, delayed 0, failed 0');
    expect(filledText.out).toContain('  retry set       2 tickets parked');
    expect(filledText.out).toContain('  poll            last finished 2026-11-18T14:58:30.000Z, 90 s ago');
    expect(filledText.out).toContain(
      '  HEAT budget     2 of 50,000 calls used today by all replicas and commands (0%, UTC day 2026-11-18), normal\n',
    );

    // A worker on the tickets queue is a replica seen; it drains the three jobs, one of which fails
    // for good: the newest failures are the status's recent errors.
    const workerConnection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    const worker = new Worker(
      'tickets',
      async (job) => {
        if ((job.data as { recId: string }).recId === 'C'.repeat(32))
          throw new UnrecoverableError("HEAT 400: 'Telecom Team' is not in the validation list");
      },
      { connection: workerConnection, prefix },
    );
    try {
      let last: ServiceStatus | null = null;
      await waitUntil(
        async () => {
          last = await statusJson();
          return last.queue.workers.length === 1 && last.queue.completed === 2 && last.queue.failed === 1;
        },
        10_000,
        'one worker seen, two jobs completed and one failed',
        () => JSON.stringify(last),
      );
      expect(last!.queue.waiting).toBe(0);
      expect(last!.queue.recentFailures).toHaveLength(1);
      expect(last!.queue.recentFailures[0]).toMatchObject({
        recId: 'C'.repeat(32),
        attempts: 1,
        reason: "HEAT 400: 'Telecom Team' is not in the validation list",
      });
      expect(last!.queue.recentFailures[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const failedText = await run(['status']);
      expect(failedText.out).toContain('  recent errors   the 1 newest of 1 failed jobs:\n');
      expect(failedText.out).toContain(
        `  ticket ${'C'.repeat(32)}  after 1 attempt: HEAT 400: 'Telecom Team' is not in the validation list\n`,
      );
      expect(failedText.out).toContain('  parked          1 ticket HEAT refused because of our config');
    } finally {
      await worker.close();
      workerConnection.disconnect();
    }
  });
});
