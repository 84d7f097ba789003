import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { classifyTicket, compileLoadedPolicy } from '../../src/classify/index.js';
import { loadConfig } from '../../src/config/index.js';
import { countFieldValues, createCountsService, periodOf } from '../../src/counts/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { startCli, tenantEnv, waitUntil } from '../support/cli-process.js';
import { noHeat } from '../support/no-heat.js';

const redisUrl = inject('redisUrl');
const TICKETS = 450;
const REPLICAS = 3;

const SERVICE = `poll:
  intervalSeconds: 1
  startFrom: '2000-01-01T00:00:00Z'
worker:
  concurrency: 4
  shutdownDeadlineMs: 5000
heat:
  maxConcurrency: 4
http:
  enabled: false
counts:
  debounceSeconds: 0
`;

describe('three worker replicas on one Redis', () => {
  let sim: Simulator | undefined;
  const children: Array<{ kill: (s: NodeJS.Signals) => boolean }> = [];
  const connections: Redis[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await Promise.all(connections.splice(0).map((c) => c.quit()));
    await sim?.close();
  });

  it('one poller per tick, every ticket written once, one note per moved ticket, each counted once', async () => {
    // A little latency so that the jobs spread over the replicas.
    sim = createSimulator({ seed: 53, tickets: 0, faults: { latencyMs: 3 } });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir, prefix, env } = tenantEnv({
      heatUrl: url,
      apiKey: sim.apiKey,
      redisUrl,
      serviceYaml: SERVICE,
    });
    const redis = new Redis(redisUrl);
    connections.push(redis);
    const tickets = new Queue('tickets', { connection: redis, prefix });
    const poll = new Queue('poll', { connection: redis, prefix });
    const replicas = Array.from({ length: REPLICAS }, () => startCli(['worker', '--no-http'], env));
    children.push(...replicas.map((r) => r.child));
    const output = () => replicas.map((r, i) => `replica ${i}: ${r.child.pid}`).join('\n');
    // Every replica's ticket worker is connected before there is work, so that all three take part.
    await waitUntil(
      async () => (await tickets.getWorkers()).length >= REPLICAS,
      30_000,
      `${REPLICAS} ticket workers connected`,
      output,
    );
    const started = Date.now();
    sim.createTickets(TICKETS);
    const tagged = () => sim!.list('incidents').filter((t) => t.SBT_DecisionHash).length;
    await waitUntil(
      () => tagged() === TICKETS,
      90_000,
      `all ${TICKETS} tickets tagged`,
      () => `${tagged()} tagged\n${output()}`,
    );
    await waitUntil(
      async () => {
        const c = await tickets.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(c).every((n) => n === 0);
      },
      30_000,
      'the ticket queue empty',
    );

    const config = loadConfig({ dir, env });
    const policy = compileLoadedPolicy(config);
    const stats = sim.stats();
    // Exactly one PATCH per ticket: a second job of the same ticket would find its fingerprint.
    expect(stats.byRoute['PATCH incidents']).toBe(TICKETS);
    let moved = 0;
    const expected = new Map<string, number>();
    for (const ticket of sim.list('incidents')) {
      const decision = classifyTicket(ticket, policy);
      expect(ticket.SBT_Category).toBe(decision.category);
      const notes = sim.notesFor(String(ticket.RecId));
      if (ticket.SBT_RoutedTo && ticket.OwnerTeam === ticket.SBT_RoutedTo) {
        moved += 1;
        expect(notes, `ticket ${String(ticket.IncidentNumber)}`).toHaveLength(1);
      } else expect(notes, `ticket ${String(ticket.IncidentNumber)}`).toHaveLength(0);
      const period = periodOf(String(ticket.CreatedDateTime), config.service.counts);
      const key = `${period}/${decision.category}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    expect(moved).toBeGreaterThan(0);
    expect(stats.byRoute['POST journal__notess']).toBe(moved);

    // Each ticket counted once: the per-period, per-category totals in Redis match the decisions.
    const counts = createCountsService({
      redis,
      heat: noHeat,
      logger: createSilentLogger(),
      config: config.service,
      fields: config.routing.fields,
    });
    const actual = new Map<string, number>();
    for (const period of new Set([...expected.keys()].map((k) => k.split('/')[0]!))) {
      for (const row of await counts.snapshot(period))
        for (const [category, n] of Object.entries(row.byCategory))
          if (n) actual.set(`${period}/${category}`, (actual.get(`${period}/${category}`) ?? 0) + n);
    }
    expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));

    // The school records in HEAT end with the Redis counts: one writer per school at a time (the lock
    // in write-school-counts.ts), so an older PATCH can no longer land after a newer one.
    const countFields = config.service.counts.fields;
    const schoolsDiffering = async () => {
      const differing: string[] = [];
      let compared = 0;
      const records = sim!.list(config.service.heat.schoolSet);
      for (const period of new Set([...expected.keys()].map((k) => k.split('/')[0]!))) {
        for (const row of await counts.snapshot(period)) {
          const record = records.find((r) => r[config.service.counts.schoolKeyField] === row.school);
          if (!record || record[countFields.period] !== period) continue;
          compared += 1;
          const want = countFieldValues(row, countFields);
          const have = Object.fromEntries(Object.keys(want).map((f) => [f, record[f]]));
          if (JSON.stringify(have) !== JSON.stringify(want)) differing.push(row.school);
        }
      }
      return { compared, differing };
    };
    let last = { compared: 0, differing: [] as string[] };
    await waitUntil(
      async () => (last = await schoolsDiffering()).differing.length === 0,
      30_000,
      'every school record equal to the Redis counts',
      () => JSON.stringify(last),
    );
    const final = await schoolsDiffering();
    expect(final.differing).toEqual([]);
    expect(final.compared).toBeGreaterThanOrEqual(10);

    // One poller: the three replicas share one job scheduler, which makes one poll job per interval,
    // and each job is run by one replica (the Redis lock in poll-scheduler.ts also makes a job that
    // starts while another replica's tick still runs skip). Three schedulers would make three a second.
    const schedulers = await poll.getJobSchedulers();
    expect(schedulers.map((j) => [j.key, j.every])).toEqual([['poll-changed-tickets', 1000]]);
    const polls = await poll.getJobs(['completed'], 0, 100);
    const elapsedSeconds = Math.ceil((Date.now() - started) / 1000);
    const since = polls.filter((j) => (j.processedOn ?? 0) >= started);
    expect(since.length).toBeGreaterThan(0);
    expect(since.length).toBeLessThanOrEqual(elapsedSeconds + 1);
    const pids = new Set(replicas.map((r) => String(r.child.pid)));
    for (const p of polls) expect(pids.has(String(p.processedBy).split(':').pop()!)).toBe(true);

    // All three replicas processed tickets (BullMQ stores the worker's host:pid on each job).
    const done = await tickets.getJobs(['completed'], 0, TICKETS);
    const byReplica = new Map<string, number>();
    for (const job of done) {
      const pid = String(job.processedBy).split(':').pop()!;
      byReplica.set(pid, (byReplica.get(pid) ?? 0) + 1);
    }
    expect([...byReplica.keys()].sort()).toEqual([...pids].sort());

    await Promise.all([tickets.close(), poll.close()]);
    for (const r of replicas) r.child.kill('SIGTERM');
    const exits = await Promise.all(replicas.map((r) => r.done));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  }, 180_000);
});
