import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { planActions, planContextFrom } from '../../src/actions/index.js';
import { classifyTicket, compileLoadedPolicy } from '../../src/classify/index.js';
import { loadConfig } from '../../src/config/index.js';
import { countFieldValues, emptySchoolCounts, outOfScopeShareOf, periodOf } from '../../src/counts/index.js';
import type { CategoryId, HeatRecord, ScopeId, Ticket } from '../../src/domain/index.js';
import { readTicketQueueStatus } from '../../src/queue/index.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../../tools/devtools/index.js';
import { makeConfigDir, startCli, waitFor, waitUntil, type RunResult } from '../support/cli-process.js';
import { startSimulatorProcess, type SimulatorProcess } from '../support/simulator-process.js';
import { formatFaultReport, planFaults, timedFaultsEndMs, type FaultReport } from './fault-plan.js';

/*
 * The fault suite (`npm run test:faults`, docs/testing.md "The fault suite"): a backfill of 1,500
 * tickets against the HEAT simulator in its own process, while the worker process is SIGKILLed 16
 * times, Redis is SIGKILLed twice and started again on its data, HEAT answers 5% of calls 500 and goes
 * silent for 10 s. Then the simulator's state must show every ticket tagged and at its destination, no
 * ticket with two notes, no move without its note, exact per-school counts, and an empty queue.
 */

const SEED = Number(process.env.FAULTS_SEED ?? 9);
const TICKETS = 1_500;
/** Every process of the run reads this instant at its start (tools/faults/pinned-clock.ts). */
const CLOCK_START = '2026-11-27T18:00:00Z';
/**
 * Added to every HEAT call. An open ticket costs at least two calls in a row in a job (read, PATCH), so
 * with 6 job slots (worker 4, backfill 2) the open tickets alone (about 1,240 of the 1,500; checked
 * below) cannot be done in under open x 2 x 120 ms / 6, about 50 s: after the last time-planned fault
 * (at most 41.5 s), however fast the machine.
 */
const LATENCY_MS = 120;
const SLOTS = 6;
const PINNED_CLOCK = pathToFileURL(resolve('dist-tools/tools/faults/pinned-clock.js')).href;

const SERVICE_YAML = (concurrency: number) => `heat:
  timeoutMs: 5000
  retries: { max: 4, baseDelayMs: 250, maxDelayMs: 2000 }
poll:
  intervalSeconds: 5
worker:
  concurrency: ${concurrency}
  backoffMs: 1000
  lockDurationMs: 3000
  stalledIntervalMs: 1000
  shutdownDeadlineMs: 5000
http:
  enabled: false
counts:
  debounceSeconds: 2
`;

const processedLine = (line: string) => line.includes('"event":"ticket_processed"');
const ourNote = /\[sbt-router decision [^\]]+\]\s*$/;

/** Waits until the planned instant of a fault (a schedule, not a wait for a condition). */
const until = (t0: number, atMs: number) =>
  new Promise((r) => setTimeout(r, Math.max(0, t0 + atMs - performance.now())));

interface WorkerRun {
  child: ChildProcess;
  done: Promise<RunResult>;
  startedAt: number;
  firstJobAt: number | null;
  jobs: number;
  exited: boolean;
  tail: string[];
}

describe('fault suite: a 1,500-ticket backfill through worker kills, Redis restarts and HEAT faults', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'sbt-faults-'));
  let redis: ThrowawayRedis | undefined;
  let sim: SimulatorProcess | undefined;
  let connection: Redis | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    connection?.disconnect();
    await sim?.stop();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('leaves every ticket tagged and routed once, one note per move, exact counts, an empty queue', async () => {
    const plan = planFaults(SEED);
    const dataDir = join(tmp, 'redis');
    const clockEnv = { SBT_FAULTS_CLOCK_START: CLOCK_START, SBT_FAULTS_CLOCK_AT: String(Date.now()) };
    const nodeArgs = [`--import=${PINNED_CLOCK}`];
    mkdirSync(dataDir);
    redis = await startThrowawayRedis({ dataDir });
    const redisPort = redis.port;
    sim = await startSimulatorProcess({ seed: 41, tickets: TICKETS, latencyMs: LATENCY_MS }, clockEnv, {
      nodeArgs,
    });
    const before = new Map((await sim.listAll('incidents')).map((t) => [String(t.RecId), t]));
    expect(before.size).toBe(TICKETS);
    const open = [...before.values()].filter((t) => !['Resolved', 'Closed'].includes(String(t.Status)));
    expect(timedFaultsEndMs(plan)).toBeLessThan((open.length * 2 * LATENCY_MS) / SLOTS);
    await sim.setFaults({ errorRate: plan.errorRate });

    const worker = makeConfigDir(SERVICE_YAML(4));
    const backfill = makeConfigDir(SERVICE_YAML(2), worker.prefix);
    const env = (dir: string) => ({
      HEAT_BASE_URL: sim!.url,
      HEAT_API_KEY: sim!.apiKey,
      REDIS_URL: redis!.url,
      SBT_CONFIG_DIR: dir,
      LOG_LEVEL: 'info',
      ...clockEnv,
    });

    const config = loadConfig({ dir: worker.dir, env: env(worker.dir) });
    const fields = config.routing.fields;
    const decisionHash = fields.decisionHash;
    // The suite's own view of the queue (across the Redis restarts: ioredis reconnects by itself).
    connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    connection.on('error', () => undefined);
    const queueStatus = () => readTicketQueueStatus({ redis: connection!, prefix: worker.prefix });

    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const processedAt: number[] = [];
    const onProcessed = (line: string) => processedLine(line) && processedAt.push(now());
    let finished = false;

    const workers: WorkerRun[] = [];
    const startWorker = (): WorkerRun => {
      const startedAt = now();
      const tail: string[] = [];
      const counters = { firstJobAt: null as number | null, jobs: 0 };
      const { child, done } = startCli(['worker'], env(worker.dir), {
        nodeArgs,
        onLine: (line) => {
          if (onProcessed(line)) {
            counters.jobs += 1;
            counters.firstJobAt ??= now();
          }
          tail.push(line);
          if (tail.length > 20) tail.shift();
        },
      });
      const run: WorkerRun = {
        child,
        done,
        startedAt,
        tail,
        exited: false,
        get firstJobAt() {
          return counters.firstJobAt;
        },
        get jobs() {
          return counters.jobs;
        },
      };
      void done.then(() => (run.exited = true));
      children.push(child);
      workers.push(run);
      return run;
    };

    // The backfill (docs/testing.md, "The fault suite"): a run that dies is started again; a run still
    // waiting once the queue is drained and every ticket tagged is stopped (both noted in the report).
    const backfillRuns: FaultReport['backfillAttempts'] = [];
    const backfillTails: string[] = [];
    let suite500s = 0;
    let lastSeen = 'nothing read yet';
    const allTagged = async () => {
      if (connection!.status !== 'ready') return false; // Redis is being restarted
      const q = await queueStatus().catch(() => null);
      lastSeen = q ? JSON.stringify({ ...q, workers: q.workers.length }) : 'queue unreadable';
      if (!q || q.waiting + q.active + q.delayed + q.retrySet > 0) return false;
      const untagged = await sim!.count('incidents', `${decisionHash} eq '$NULL'`).catch((err: Error) => {
        if (err.message.includes('500')) suite500s += 1;
        return null;
      });
      lastSeen += `, untagged: ${String(untagged)}`;
      return untagged === 0;
    };
    /** true when a run exited 0 or was stopped once everything was done. */
    const runBackfill = async (): Promise<boolean> => {
      for (let attempt = 1; attempt <= 4; attempt++) {
        const startedAt = now();
        const tail: string[] = [];
        const { child, done } = startCli(
          ['backfill', '--since', '2000-01-01', '--tag-history'],
          env(backfill.dir),
          {
            nodeArgs,
            onLine: (line) => {
              if (onProcessed(line)) return;
              tail.push(line);
              if (tail.length > 15) tail.shift();
            },
          },
        );
        children.push(child);
        let exited = false;
        void done.then(() => (exited = true));
        // Bounded: the whole backlog takes about two minutes here.
        const drained = await waitFor(async () => exited || (await allTagged()), 480_000, 1_000);
        let outcome: string;
        if (exited) {
          const r = await done;
          outcome = `exit ${String(r.code ?? r.signal)}`;
        } else if (drained) {
          // Every ticket is done: give the run a bounded while to notice and exit by itself.
          const gone = await waitFor(() => exited, 10_000);
          outcome = gone
            ? `exit ${String((await done).code)}`
            : 'still waiting after the queue drained: stopped';
          if (!gone) child.kill('SIGKILL');
        } else {
          child.kill('SIGKILL');
          outcome = 'the backlog did not drain: killed';
        }
        const result = await done;
        backfillRuns.push({ outcome, seconds: (now() - startedAt) / 1000 });
        backfillTails.push(`${tail.join('\n')}\n${result.stdout}`);
        if (result.code === 0 || drained) return true;
      }
      return false;
    };

    let current = startWorker();
    const killWorkers = async () => {
      for (const [i, jobs] of plan.workerKillAfterJobs.entries()) {
        const run = current;
        await waitUntil(
          () => run.jobs >= jobs || run.exited || finished,
          60_000,
          `worker ${workers.length} finished ${jobs} jobs`,
          () => run.tail.join('\n'),
        );
        expect(run.exited, run.tail.join('\n')).toBe(false);
        await until(t0, now() + plan.workerKillDelaysMs[i]!);
        if (finished) return;
        run.child.kill('SIGKILL');
        const killed = await run.done;
        expect(killed.signal).toBe('SIGKILL');
        current = startWorker();
      }
    };

    const redisRestarts: Array<{ readyAt: number }> = [];
    const restartRedis = async () => {
      for (const [i, at] of plan.redisKillsAtMs.entries()) {
        await until(t0, at);
        if (finished) return;
        await redis!.kill();
        await until(t0, at + plan.redisDownMs[i]!);
        redis = await startThrowawayRedis({ port: redisPort, dataDir });
        redisRestarts.push({ readyAt: now() });
      }
    };

    const silenceHeat = async () => {
      await until(t0, plan.silenceAtMs);
      if (finished) return;
      sim!.pause();
      await until(t0, plan.silenceAtMs + plan.silenceMs);
      sim!.resume();
    };

    const backfillDone = runBackfill().finally(() => (finished = true));
    await Promise.all([killWorkers(), restartRedis(), silenceHeat()]);
    expect(await backfillDone, `the backfill runs:\n${backfillTails.join('\n---\n')}`).toBe(true);

    // The faults end; the last worker finishes what is left (retries of jobs HEAT failed) and writes
    // the counts.
    await sim.setFaults({ errorRate: 0, latencyMs: 0 });
    await waitUntil(
      allTagged,
      60_000,
      'the queue drained and every ticket tagged',
      () => `${current.tail.slice(-3).join('\n')}\n${lastSeen}`,
    );
    const period = periodOf(CLOCK_START, config.service.counts);
    const expected = expectedSchoolCounts(await sim.listAll('incidents'), period, config);
    // The count writer runs every 0.5 s (debounce 2 s): bounded wait for the last write.
    await waitFor(async () => {
      const records = await sim!.listAll('organizationalunits');
      return [...expected].every(([school, want]) => sameCounts(recordOf(records, school), want));
    }, 30_000);
    const status = await queueStatus();
    const stats = await sim.stats();
    const durationSeconds = now() / 1000;

    current.child.kill('SIGTERM');
    const stopped = await current.done;
    expect(stopped.code, current.tail.join('\n')).toBe(0);

    const report: FaultReport = {
      seed: SEED,
      tickets: TICKETS,
      workerKills: workers.length - 1,
      workerRecoveryMs: workers
        .slice(1)
        .map((w) => (w.firstJobAt === null ? null : w.firstJobAt - w.startedAt)),
      redisRestarts: redisRestarts.length,
      redisRecoveryMs: redisRestarts.map(({ readyAt }) => {
        const next = processedAt.find((t) => t >= readyAt);
        return next === undefined ? null : next - readyAt;
      }),
      silenceMs: plan.silenceMs,
      heat500s: (stats.byStatus['500'] ?? 0) - suite500s,
      heatCalls: stats.total,
      backfillAttempts: backfillRuns,
      durationSeconds,
    };
    console.log(formatFaultReport(report));

    // The faults happened.
    expect(report.workerKills).toBeGreaterThanOrEqual(15);
    expect(report.redisRestarts).toBe(2);
    expect(report.heat500s).toBeGreaterThan(0);

    // Every ticket tagged with the decision the policy gives it, and at that decision's team: planning
    // the final ticket again finds nothing to do.
    const tickets = (await sim.listAll('incidents')) as Ticket[];
    expect(tickets).toHaveLength(TICKETS);
    const policy = compileLoadedPolicy(config);
    const ctx = planContextFrom(config, new Date(CLOCK_START));
    const undone = tickets
      .map((t) => ({ t, plan: planActions(t, classifyTicket(t, policy), ctx) }))
      .filter(({ plan: p }) => p.kind !== 'noop')
      .map(({ t, plan: p }) => `${String(t.IncidentNumber)}: ${p.kind} ${JSON.stringify(p.fields)}`);
    expect(undone).toEqual([]);
    expect(tickets.filter((t) => !t[fields.decisionHash])).toHaveLength(0);

    // No ticket with two of our notes; every moved ticket has its note.
    const notes = (await sim.listAll('journal__notess')).filter((n) =>
      ourNote.test(String(n.NotesBody ?? '')),
    );
    const notesOf = new Map<string, number>();
    for (const n of notes)
      notesOf.set(String(n.ParentLink_RecID), (notesOf.get(String(n.ParentLink_RecID)) ?? 0) + 1);
    const twice = [...notesOf].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    const moved = tickets.filter((t) => before.get(String(t.RecId))?.OwnerTeam !== t.OwnerTeam);
    expect(moved.length).toBeGreaterThan(TICKETS / 4);
    const movedWithoutNote = moved
      .filter((t) => notesOf.get(String(t.RecId)) !== 1)
      .map((t) => t.IncidentNumber);
    expect(movedWithoutNote).toEqual([]);

    // Each school record carries exactly the counts its tickets give for the current period.
    const records = await sim.listAll('organizationalunits');
    expect(expected.size).toBeGreaterThan(5);
    for (const [school, want] of expected) {
      expect(countValuesOf(recordOf(records, school), want), school).toEqual(want);
    }

    // The queue is empty, and no job failed for good.
    expect(status).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0, retrySet: 0 });
  }, 900_000);
});

type LoadedConfig = ReturnType<typeof loadConfig>;
type CountValues = Record<string, string | number>;

/** Per school, the field values its record must carry: counted from the final tickets' own tags. */
function expectedSchoolCounts(
  tickets: HeatRecord[],
  period: string,
  config: LoadedConfig,
): Map<string, CountValues> {
  const { routing, service } = config;
  const bySchool = new Map<string, ReturnType<typeof emptySchoolCounts>>();
  for (const t of tickets) {
    const school = String(t[service.counts.schoolField] ?? '');
    if (!school || periodOf(String(t.CreatedDateTime), service.counts) !== period) continue;
    const c = bySchool.get(school) ?? emptySchoolCounts(period, school);
    c.total += 1;
    c.byScope[t[routing.fields.scope] as ScopeId] += 1;
    c.byCategory[t[routing.fields.category] as CategoryId] += 1;
    bySchool.set(school, c);
  }
  return new Map(
    [...bySchool].map(([school, c]) => [
      school,
      countFieldValues({ ...c, outOfScopeShare: outOfScopeShareOf(c) }, service.counts.fields),
    ]),
  );
}

function recordOf(records: HeatRecord[], school: string): HeatRecord | undefined {
  return records.find((r) => r.Name === school);
}

/** The record's values of the fields in `want`, numbers read as numbers (HEAT may hand back text). */
function countValuesOf(record: HeatRecord | undefined, want: CountValues): CountValues {
  return Object.fromEntries(
    Object.entries(want).map(([field, value]) => {
      const got = record?.[field];
      return [
        field,
        typeof value === 'number' && got !== null && got !== undefined ? Number(got) : String(got),
      ];
    }),
  );
}

function sameCounts(record: HeatRecord | undefined, want: CountValues): boolean {
  const got = countValuesOf(record, want);
  return Object.entries(want).every(([field, value]) => got[field] === value);
}
