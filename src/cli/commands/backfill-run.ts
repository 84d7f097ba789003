import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { createAccountCheck, createTenantFieldsCheck } from '../../actions/index.js';
import type { LoadedConfig } from '../../config/index.js';
import {
  emptyRecordRowsResult,
  type RecordRowsResult,
  type ReconcileRow,
  type RoutingInput,
} from '../../counts/index.js';
import { coerceError, type HeatRecord } from '../../domain/index.js';
import { filterSince } from '../../heat/index.js';
import type { Logger } from '../../observability/index.js';
import { failedJobFacts, failedJobOutcome } from '../../queue/index.js';
import {
  createService,
  createTicketJobHandler,
  isPermanentJobError,
  type ProcessOutcome,
  type Service,
} from '../../service/index.js';
import {
  countRowOf,
  eachWithLimit,
  routeOf,
  routingOf,
  withPageRecords,
  type HistoryMode,
} from './backfill-history.js';
import { createBudgetPacer } from './backfill-budget.js';
import { createBackfillProgress, type BackfillProgressState } from './backfill-progress.js';
import { BackfillStopped, createRedisWaiter, type StopReason } from './backfill-redis.js';

/** Running totals of the jobs' outcomes (a backfill may cover a year: counters, not decisions). */
export function createSummary(dryRun = false): {
  add(o: ProcessOutcome): void;
  totals: Record<string, number>;
} {
  const totals: Record<string, number> = {
    tickets: 0,
    patched: 0,
    moved: 0,
    notes: 0,
    unchanged: 0,
    overrides: 0,
  };
  const bump = (key: string) => (totals[key] = (totals[key] ?? 0) + 1);
  return {
    totals,
    add(o) {
      bump('tickets');
      // A dry run writes nothing: count what the plan would write.
      const writes = dryRun ? Object.keys(o.plan.fields).length > 0 : o.patched;
      bump(writes ? 'patched' : 'unchanged');
      if (dryRun ? o.plan.note !== null && o.plan.noteMode === 'create' : o.noted) bump('notes');
      if (o.plan.moveTo) bump('moved');
      if (o.plan.kind === 'override') bump('overrides');
      bump(o.category);
    },
  };
}

export interface BackfillRunInput {
  config: LoadedConfig;
  logger: Logger;
  redisUrl: string;
  env: NodeJS.ProcessEnv;
  since: string;
  sinceMs: number;
  mode: HistoryMode;
  /** Stop after this long (0: no limit). */
  timeoutMs: number;
  /** How long one Redis outage may last. */
  redisWaitMs: number;
  /** The injected clock (progress line, rate, ETA). */
  nowMs: () => number;
  /** Progress (stderr) and messages for people. */
  stderr: Writable & { isTTY?: boolean };
  /** The final summary (stdout). */
  out: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers for the run (the CLI); tests of the function pass false. */
  handleSignals?: boolean;
  /** The HEAT client's clock and waits (budget day, budget pauses, retries); tests pin and record them. */
  heatClock?: { now?: () => Date; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> };
  /** How often a budget pause re-reads the shared count (default 60 s). */
  budgetRecheckMs?: number;
}

/** Figures of a finished (or stopped) backfill, beside what it printed. */
export interface BackfillRunResult {
  stopped: StopReason | null;
  read: number;
  pages: number;
  queued: number;
  countedFromPages: number;
  taggedFromPages: number;
  failed: number;
  heatCalls: number;
  /** Times the backfill paused for the HEAT budget (or HEAT's backoff). */
  budgetPauses: number;
  exitCode: number;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
/** The marker that tells whether Redis came back with its data after an outage. */
const MARKER_TTL_SECONDS = 7 * 86_400;

/** Sums of the counts that recordRows returns, over every page. */
function addCounts(total: RecordRowsResult, more: RecordRowsResult): void {
  for (const key of Object.keys(total) as Array<keyof RecordRowsResult>) total[key] += more[key];
}

/**
 * `sbt-router backfill` without --dry-run: reads the incidents modified since `since` in pages of full
 * records (ordered by CreatedDateTime, so that our own writes do not reorder what is still to read),
 * and per ticket either counts it from the page, tags it from the page, or queues it for the worker's
 * handler (`HistoryMode`). Survives a Redis restart (waits, bounded, and resumes; tickets whose jobs
 * Redis lost are queued again), stops on --timeout or Ctrl-C saying what becomes of the queued jobs.
 */
export async function runBackfill(input: BackfillRunInput): Promise<BackfillRunResult> {
  const { config, logger, mode } = input;
  const service = config.service;
  const say = (line: string) => input.stderr.write(`${line}\n`);
  const summary = createSummary();
  const seen = new Set<string>();
  const jobs = new Set<string>();
  const finished = new Set<string>();
  const counts: RecordRowsResult = emptyRecordRowsResult();
  const state = {
    pages: 0,
    walkDone: false,
    tagged: 0,
    failed: 0,
    /** Jobs in the tickets queue when last asked (null: not asked yet). */
    jobsRemaining: null as number | null,
  };

  if (mode === 'counts-only' && !service.counts.enabled) {
    say('--counts-only: counts.enabled is false in service.yaml. Fix: set counts.enabled: true');
    return { ...emptyResult(), exitCode: 2 };
  }

  const svc = createService({
    config,
    logger,
    redisUrl: input.redisUrl,
    poll: false,
    env: input.env,
    ...(input.heatClock ? { heatDeps: input.heatClock } : {}),
    onOutcome: (o) => {
      summary.add(o);
      finished.add(o.recId);
    },
  });
  svc.worker.on('failed', (job, err) => {
    // Dropped (HEAT refused it) or out of attempts: the rule the worker's metrics use.
    if (job && failedJobOutcome(failedJobFacts(job, err)) !== 'retried') {
      state.failed += 1;
      finished.add(String((job.data as { recId?: unknown }).recId));
    }
  });
  const callsBefore = svc.heat.stats().calls;
  const byMethodBefore = svc.heat.stats().byMethod;

  // Stop: --timeout, Ctrl-C / SIGTERM, or Redis away for longer than --redis-wait.
  let stopReason: StopReason | null = null;
  let signalStop: (reason: StopReason) => void = () => undefined;
  // Ends a budget pause in progress at once (its timer is cleared).
  const abort = new AbortController();
  const stopped = new Promise<StopReason>((resolve) => {
    signalStop = (reason) => {
      if (stopReason) return;
      stopReason = reason;
      abort.abort();
      resolve(reason);
    };
  });
  const timer = input.timeoutMs > 0 ? setTimeout(() => signalStop('timeout'), input.timeoutMs) : undefined;
  const onSignal = () => signalStop('interrupted');
  if (input.handleSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  const marker = `${service.queue.prefix}:backfill:${randomUUID()}`;
  const redisWait = createRedisWaiter({
    connections: [svc.producer, svc.redis],
    waitMs: input.redisWaitMs,
    monotonicMs: () => performance.now(),
    say,
    stopReason: () => stopReason,
    onBack: async () => {
      if ((await svc.redis.exists(marker)) === 1) return;
      // Redis came back without its data: the jobs it held are gone. Queue again every ticket whose
      // job this process has not seen finish (one that another replica finished costs a read, no write).
      await svc.redis.set(marker, '1', 'EX', MARKER_TTL_SECONDS);
      const lost = [...jobs].filter((recId) => !finished.has(recId));
      await svc.queue.enqueueMany(lost.map((recId) => ({ recId, source: 'backfill' as const })));
      say(
        `Redis came back without its data: ${lost.length} queued tickets not yet seen done are queued again. ` +
          'Counts Redis held are gone too: when this backfill ends, run it again with --counts-only ' +
          '(and `sbt-router reconcile` for each period) to rebuild them.',
      );
    },
  });
  const run = redisWait.run;

  /** Jobs still in the tickets queue (waiting, active, delayed), for the progress line and the drain. */
  const jobsInQueue = async (): Promise<number> => {
    const c = await svc.queue.queue.getJobCounts(...JOB_STATES);
    const n = Object.values(c).reduce((a, b) => a + b, 0);
    state.jobsRemaining = n;
    return n;
  };

  // Backfill yields to live work on the shared HEAT budget: a turn before each page and each ticket
  // tagged from a page (the queued jobs are paced by the worker's own check).
  const pacer = createBudgetPacer({
    heat: svc.heat,
    say: (line) => {
      progress.end();
      say(line);
    },
    signal: abort.signal,
    ...(input.budgetRecheckMs !== undefined ? { recheckMs: input.budgetRecheckMs } : {}),
  });
  const budgetTurn = async (): Promise<void> => {
    await pacer.turn();
    if (stopReason) throw new BackfillStopped(stopReason);
  };

  const progressState = (): BackfillProgressState => {
    // Jobs done: those this process saw finish, or (other replicas take part) those no longer queued.
    const seenDone = [...jobs].filter((recId) => finished.has(recId)).length;
    const jobsDone = Math.max(seenDone, state.jobsRemaining === null ? 0 : jobs.size - state.jobsRemaining);
    const stats = svc.heat.stats();
    const shared = pacer.last();
    return {
      queued: seen.size,
      processed: counts.rows + state.tagged + Math.min(jobs.size, Math.max(0, jobsDone)),
      walkDone: state.walkDone,
      heatCalls: stats.calls - callsBefore,
      budget: shared
        ? {
            used: shared.used,
            budget: shared.budget,
            level: shared.level,
            pausedUntil: pacer.paused()
              ? shared.level === 'paused'
                ? shared.resetsAt
                : (shared.backoffUntil ?? shared.resetsAt)
              : null,
          }
        : { used: stats.calls, budget: stats.budget, level: 'normal', pausedUntil: null },
    };
  };
  const progress = createBackfillProgress({
    stream: input.stderr,
    tty: input.stderr.isTTY === true,
    nowMs: input.nowMs,
    state: progressState,
  });
  let asking = false;
  const ticker = setInterval(() => {
    // The queue's counts for the line, asked in the background (fail fast while Redis is away).
    if (!asking && mode !== 'counts-only') {
      asking = true;
      void jobsInQueue()
        .catch(() => undefined)
        .finally(() => (asking = false));
    }
    progress.tick();
  }, 1000);

  const enqueue = async (recIds: string[]) => {
    if (recIds.length === 0) return;
    for (const recId of recIds) jobs.add(recId);
    await run('queueing tickets', () =>
      svc.queue.enqueueMany(recIds.map((recId) => ({ recId, source: 'backfill' as const }))),
    );
  };

  // Final-state tickets tagged from the page record: the worker's own handler, without its read.
  const pageRecords = new Map<string, HeatRecord>();
  const tagHandler =
    mode === 'tag-history'
      ? createTicketJobHandler({
          heat: withPageRecords(svc.heat, pageRecords),
          logger,
          metrics: svc.metrics,
          runtime: svc.runtime,
          processed: svc.processed,
          counts: svc.counts,
          queue: svc.queue,
          parked: svc.parked,
          tenantFields: createTenantFieldsCheck(
            svc.heat,
            config.routing.fields,
            service.heat.incidentSet,
            logger,
          ),
          checkAccount: createAccountCheck(service.heat.account, logger),
          // The backfill waits its turn on the budget before each ticket (below): a paused budget must
          // not turn into jobs put off and queued again.
          budgetGate: false,
          onOutcome: (o) => {
            summary.add(o);
            state.tagged += 1;
          },
        })
      : null;

  async function tagFromPage(records: HeatRecord[]): Promise<void> {
    if (!tagHandler) return;
    for (const r of records) pageRecords.set(String(r.RecId), r);
    const requeue: string[] = [];
    await eachWithLimit(records, service.worker.concurrency, async (record) => {
      const recId = String(record.RecId);
      const job = { v: 1 as const, recId, source: 'backfill' as const, receivedAt: new Date().toISOString() };
      await budgetTurn();
      try {
        await tagHandler(job, { jobId: `backfill-page:${recId}`, attempt: 1 });
      } catch (err) {
        pageRecords.delete(recId);
        if (isPermanentJobError(err)) {
          state.failed += 1;
          state.tagged += 1;
        } else {
          // A passing failure (HEAT or Redis away): the queue retries it with backoff.
          logger.warn('tagging from the page failed; queued for the worker instead', {
            ticketId: recId,
            error: coerceError(err).message,
          });
          requeue.push(recId);
        }
      }
    });
    await enqueue(requeue);
  }

  async function countFromPage(rows: ReconcileRow[], routing: RoutingInput[]): Promise<void> {
    if (rows.length === 0 || !svc.counts) return;
    const counter = svc.counts;
    addCounts(counts, await run('counting tickets', () => counter.recordRows(rows)));
    // The bounce rate's counts from the page's routing fields (once per ticket, as the worker counts).
    await run('counting routing', () => Promise.all(routing.map((r) => counter.recordRouting(r))));
  }

  async function work(): Promise<void> {
    await run('connecting', () => svc.redis.set(marker, '1', 'EX', MARKER_TTL_SECONDS));
    if (mode !== 'counts-only') {
      await svc.start();
      // Tickets parked because HEAT did not know their destination go again too, whatever their date.
      const parked = await run('re-queueing parked tickets', () => svc.redriveParked());
      for (const recId of parked) {
        seen.add(recId);
        jobs.add(recId);
      }
    }
    const { policy } = svc.runtime();
    const pages = svc.heat.pages(service.heat.incidentSet, {
      filter: filterSince('LastModDateTime', input.sinceMs, service.heat.filterDateFormat),
      // CreatedDateTime never changes: our writes (and the worker's) do not move records between pages.
      orderby: 'CreatedDateTime asc,RecId asc',
      top: service.heat.pageSize,
    });
    const pageReader = pages[Symbol.asyncIterator]();
    for (;;) {
      // Between pages (and before the first): each page is a HEAT call, and may queue a page of jobs.
      await budgetTurn();
      const next = await pageReader.next();
      if (next.done) break;
      const page = next.value;
      if (stopReason) return;
      state.pages += 1;
      const toQueue: string[] = [];
      const toCount: ReconcileRow[] = [];
      const toRoute: RoutingInput[] = [];
      const toTag: HeatRecord[] = [];
      for (const record of page) {
        const recId = typeof record.RecId === 'string' ? record.RecId : '';
        if (!recId || seen.has(recId)) continue;
        seen.add(recId);
        const route = routeOf(record, mode);
        if (route === 'queue') toQueue.push(recId);
        else if (route === 'tag') toTag.push(record);
        else if (svc.counts) {
          toCount.push(countRowOf(record, config, policy));
          const routing = routingOf(record, config);
          if (routing.routed || routing.overridden) toRoute.push(routing);
        }
      }
      await enqueue(toQueue);
      await countFromPage(toCount, toRoute);
      await tagFromPage(toTag);
    }
    state.walkDone = true;
    // Wait for the queue to drain (every replica's workers take part).
    while (!stopReason) {
      if ((await run('waiting for the queue', jobsInQueue)) === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (stopReason) return;
    const counter = svc.counts;
    if (counter) await run('writing school counts', () => counter.flush({ force: true }));
  }

  let workError: unknown = null;
  const done = work().then(
    () => null,
    (err: unknown) => {
      if (err instanceof BackfillStopped) signalStop(err.reason);
      else workError = err;
      return null;
    },
  );
  await Promise.race([done, stopped]);
  clearInterval(ticker);
  if (timer) clearTimeout(timer);
  if (input.handleSignals) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  progress.end();

  const result: BackfillRunResult = {
    stopped: stopReason,
    read: seen.size,
    pages: state.pages,
    queued: jobs.size,
    countedFromPages: counts.rows,
    taggedFromPages: state.tagged,
    failed: state.failed,
    heatCalls: svc.heat.stats().calls - callsBefore,
    budgetPauses: pacer.pauses(),
    exitCode: 0,
  };
  try {
    if (workError) throw workError;
    printSummary(input, result, summary.totals, counts, svc, byMethodBefore);
    if (stopReason) {
      // The job in hand is finished first (within the shutdown budget), so the count that follows is
      // what stays queued.
      await Promise.race([
        svc.worker.close().catch(() => undefined),
        new Promise((r) => setTimeout(r, service.worker.shutdownDeadlineMs).unref()),
      ]);
      await explainStop(input, stopReason, state.walkDone, svc);
      result.exitCode = stopReason === 'interrupted' ? 130 : 1;
    } else if (state.failed > 0) {
      result.exitCode = 1;
    }
  } finally {
    // Best effort: the marker expires by itself when Redis is away now.
    await Promise.race([
      svc.redis.del(marker).catch(() => undefined),
      new Promise((r) => setTimeout(r, 1_000).unref()),
    ]);
    await svc.stop();
    // A step still waiting on Redis or HEAT ends once the connections are closed; do not wait long.
    await Promise.race([done, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }
  return result;
}

function emptyResult(): BackfillRunResult {
  return {
    stopped: null,
    read: 0,
    pages: 0,
    queued: 0,
    countedFromPages: 0,
    taggedFromPages: 0,
    failed: 0,
    heatCalls: 0,
    budgetPauses: 0,
    exitCode: 0,
  };
}

/** HEAT calls per ticket, to three places ("0.011"). */
export function callsPerTicket(calls: number, tickets: number): string {
  return tickets > 0 ? (calls / tickets).toFixed(3) : '0';
}

function printSummary(
  input: BackfillRunInput,
  r: BackfillRunResult,
  totals: Record<string, number>,
  counts: RecordRowsResult,
  svc: Service,
  byMethodBefore: Record<string, number>,
): void {
  const { out } = input;
  out(
    `backfill since ${input.since} (${input.mode}): ${r.read} tickets read in ${r.pages} pages; ` +
      `${r.queued} queued for the workers, ${r.countedFromPages} counted from the pages, ` +
      `${r.taggedFromPages} tagged from the pages`,
  );
  out(
    `tagged by this process (other replicas may take some): ${JSON.stringify({ ...totals, failed: r.failed })}`,
  );
  out(`counted from the pages: ${JSON.stringify(counts)}`);
  const byMethod = Object.entries(svc.heat.stats().byMethod)
    .map(([method, n]) => [method, n - (byMethodBefore[method] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([method, n]) => `${method} ${n}`)
    .join(', ');
  out(
    `HEAT calls: ${r.heatCalls} for ${r.read} tickets = ${callsPerTicket(r.heatCalls, r.read)} per ticket` +
      ` (${byMethod || 'none'}; this process only)`,
  );
}

/** What becomes of the work when the backfill stops early (stderr). */
async function explainStop(
  input: BackfillRunInput,
  reason: StopReason,
  walkDone: boolean,
  svc: Service,
): Promise<void> {
  const why =
    reason === 'timeout'
      ? `--timeout (${Math.round(input.timeoutMs / 1000)} s) reached`
      : reason === 'interrupted'
        ? 'interrupted (Ctrl-C)'
        : `Redis unreachable for more than ${Math.round(input.redisWaitMs / 1000)} s`;
  let left = 'an unknown number of';
  try {
    const c = await Promise.race([
      svc.queue.queue.getJobCounts(...JOB_STATES),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
    ]);
    left = String(Object.values(c).reduce((a, b) => a + b, 0));
  } catch {
    // Redis is away: say so rather than guess.
  }
  const say = (line: string) => input.stderr.write(`${line}\n`);
  say(
    `backfill stopped: ${why}. ${left} jobs are still in the queue: they stay queued in Redis and the workers ` +
      '(`sbt-router worker`) finish them; nothing is undone.',
  );
  if (!walkDone) {
    say(
      `Not every page was read: tickets not read yet were not queued. Run the same backfill again ` +
        `(--since ${input.since}) to take them on; tickets already done cost no write.`,
    );
  }
}
