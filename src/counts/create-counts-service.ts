import type { Redis } from 'ioredis';
import type { ServiceConfig } from '../config/index.js';
import { isCategoryId, SCOPE_IDS, type Decision } from '../domain/index.js';
import { coerceError, type HeatClient } from '../heat/index.js';
import {
  createDeadline,
  createThrottledErrorLog,
  type Deadline,
  type Logger,
} from '../observability/index.js';
import { createScheduledJob, type ScheduledJob } from '../queue/index.js';
import type { CountFieldNames } from './count-field-values.js';
import type { CountsContext, TicketTagFields } from './counts-context.js';
import { countsKeys } from './counts-keys.js';
import { createTicketCountMover } from './move-ticket-count.js';
import { periodExpiresAt } from './period-expires-at.js';
import { periodOf } from './period-of.js';
import { periodsToReconcile } from './periods-to-reconcile.js';
import { readPeriodCounts } from './read-period-counts.js';
import { createReconciler, type ReconcileResult } from './reconcile-counts.js';
import { NO_SCHOOL, type SchoolCounts } from './school-counts.js';
import { schoolNameOf } from './school-name-of.js';
import type { TicketCountState } from './ticket-count-state.js';
import { createSchoolCountsWriter, type FlushOptions, type FlushResult } from './write-school-counts.js';
import { assertTimeZone } from './zoned-date-parts.js';

export interface RecordInput {
  recId: string;
  /** The incident's school (OrganizationUnitID); null or empty counts under "(no school)". */
  school: string | null;
  createdDateTime: string | null;
  decision: Pick<Decision, 'category' | 'scope'>;
}

export interface CountsService {
  /** Atomic per ticket; returns whether any counter changed. Called by the job handler after the decision is applied. */
  record(input: RecordInput): Promise<{ changed: boolean; period: string | null }>;
  /** Per-school counts for a period (from Redis), sorted by school name. */
  snapshot(period: string): Promise<SchoolCounts[]>;
  /** Write every due dirty school now (used by tests, the demo and shutdown); `force` also writes the not yet due. */
  flush(options?: FlushOptions): Promise<FlushResult>;
  /** Recount from HEAT tags, correct Redis + school records, return differences. */
  reconcile(period: string): Promise<ReconcileResult>;
  /**
   * What the nightly job runs: the current period, and the previous one during a period's first
   * PREVIOUS_PERIOD_CATCH_UP_DAYS days (oldest first). Throws after trying all when one failed.
   */
  nightlyReconcile(): Promise<ReconcileResult[]>;
  /** The period `now` falls in (what school records show). */
  currentPeriod(): string;
  /**
   * Background debounced writer + nightly reconcile (BullMQ job scheduler on the "counts" queue).
   * Never waits for Redis or HEAT and never rejects because of them: see started().
   */
  start(): Promise<void>;
  /** Resolves once start() has registered the nightly scheduler (it retries while Redis is away). */
  started(): Promise<void>;
  /**
   * Stops the writer and closes the nightly queue within `deadline` (the service's shutdown budget;
   * 5 s of its own when none is given), then disconnects: pending work stays in Redis.
   */
  stop(deadline?: Deadline): Promise<void>;
}

export interface CountsServiceDeps {
  redis: Redis;
  heat: HeatClient;
  logger: Logger;
  config: Pick<ServiceConfig, 'counts' | 'heat' | 'queue'>;
  /** Incident tag fields (routing.yaml `fields.category` / `fields.scope`); SBT_Category / SBT_Scope by default. */
  fields?: Partial<TicketTagFields>;
  /** School-record field names; config.counts.fields by default. */
  countFields?: CountFieldNames;
  now?: () => Date;
  /** How often the background writer looks for due schools; default a quarter of the interval, 250 ms..5 s. */
  writerTickMs?: number;
  /** Run the nightly reconcile scheduler in start(); default true. */
  scheduleReconcile?: boolean;
}

/** Queue of the nightly reconcile; its scheduler makes exactly one replica run it each night. */
export const COUNTS_QUEUE = 'counts';
const RECONCILE_SCHEDULER_ID = 'counts-nightly-reconcile';
/** How long stop() waits for the queue and worker to close when the caller gives no deadline. */
const STOP_DEADLINE_MS = 5000;

export function createCountsService(deps: CountsServiceDeps): CountsService {
  const counts = deps.config.counts;
  assertTimeZone(counts.timeZone);
  const now = deps.now ?? (() => new Date());
  const keys = countsKeys(deps.config.queue.prefix);
  const logger = deps.logger.child({ module: 'counts' });
  const onError = createThrottledErrorLog(logger);
  const currentPeriod = () => periodOf(now().toISOString(), counts);
  const ctx: CountsContext = {
    redis: deps.redis,
    heat: deps.heat,
    logger,
    counts,
    heatConfig: deps.config.heat,
    keys,
    fields: deps.countFields ?? counts.fields,
    tags: { category: deps.fields?.category ?? 'SBT_Category', scope: deps.fields?.scope ?? 'SBT_Scope' },
    now,
    currentPeriod,
    moveTicketCount: createTicketCountMover(deps.redis, keys, (period) => periodExpiresAt(period, counts)),
  };
  const writer = createSchoolCountsWriter(ctx);
  const reconcile = createReconciler(ctx, writer);

  async function record(input: RecordInput): Promise<{ changed: boolean; period: string | null }> {
    const { category, scope } = input.decision;
    if (!isCategoryId(category) || !(SCOPE_IDS as readonly string[]).includes(scope)) {
      throw new TypeError(
        `cannot count ticket ${input.recId}: category ${category} / scope ${scope} are not policy ids`,
      );
    }
    // HEAT renders an unset date as 0001-01-01T00:00:00Z (heat-api.md §14.8).
    if (!input.createdDateTime || input.createdDateTime.startsWith('0001-01-01')) {
      logger.warn('ticket has no CreatedDateTime; not counted', { ticketId: input.recId });
      return { changed: false, period: null };
    }
    const period = periodOf(input.createdDateTime, counts);
    // Its period's keys have expired (docs/counts.md, Redis memory): counting it would recreate a
    // counter that holds this one ticket.
    if (periodExpiresAt(period, counts) * 1000 <= now().getTime()) {
      logger.debug('ticket is older than the counts retention; not counted', {
        ticketId: input.recId,
        period,
      });
      return { changed: false, period };
    }
    const state: TicketCountState = { period, school: schoolNameOf(input.school), category, scope };
    const current = currentPeriod();
    const changed = await ctx.moveTicketCount(input.recId, state, {
      dueMs: now().getTime() + counts.debounceSeconds * 1000,
      // School records show the current period only; the "(no school)" bucket is never written.
      marksDirty: (s) => s.period === current && s.school !== NO_SCHOOL,
    });
    return { changed, period };
  }

  async function nightlyReconcile(): Promise<ReconcileResult[]> {
    const results: ReconcileResult[] = [];
    const failures: string[] = [];
    for (const period of periodsToReconcile(now().toISOString(), counts)) {
      try {
        results.push(await reconcile(period));
      } catch (err) {
        failures.push(`${period}: ${coerceError(err).message}`);
      }
    }
    // The job's retries run every period again; reconcile is idempotent.
    if (failures.length > 0) throw new Error(`nightly reconcile failed for ${failures.join('; ')}`);
    return results;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  let nightly: ScheduledJob | undefined;
  let bullConnection: Redis | undefined;
  let nightlyTask: Promise<void> | undefined;
  /** Ends the current wait of the nightly set-up (for Redis, or before a retry) when stop() is called. */
  let wake: (() => void) | undefined;

  function scheduleTick(): void {
    const tickMs =
      deps.writerTickMs ?? Math.min(5000, Math.max(250, Math.floor((counts.debounceSeconds * 1000) / 4)));
    timer = setTimeout(() => {
      running = writer
        .flush()
        .catch((err: unknown) =>
          logger.error('count write-back failed; retrying on the next tick', {
            error: coerceError(err).message,
          }),
        )
        .finally(() => {
          running = undefined;
          if (!stopped) scheduleTick();
        });
    }, tickMs);
    timer.unref();
  }

  /** Waits for `ms`, or for the connection to be ready when `connection` is given; stop() ends the wait. */
  function waitFor(what: { ms: number } | { connection: Redis }): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        wake = undefined;
        clearTimeout(delay);
        if ('connection' in what) what.connection.off('ready', done);
        resolve();
      };
      const delay = setTimeout(done, 'ms' in what ? what.ms : 2 ** 31 - 1);
      delay.unref();
      if ('connection' in what) what.connection.once('ready', done);
      wake = done;
    });
  }

  /**
   * Creates the nightly reconcile's queue and worker once Redis is ready, then registers the job
   * scheduler, retrying with backoff (1 s doubling to 30 s) until it succeeds or stop() is called.
   * BullMQ objects created while Redis is away wait for it without end, and their close() too
   * (ioredis emits no 'end' for a connection between reconnect attempts), so they are made only once
   * the connection is up.
   */
  async function startNightly(connection: Redis): Promise<void> {
    while (!stopped && connection.status !== 'ready') await waitFor({ connection });
    if (stopped) return;
    const job = createScheduledJob({
      queueName: COUNTS_QUEUE,
      schedulerId: RECONCILE_SCHEDULER_ID,
      connection,
      prefix: deps.config.queue.prefix,
      repeat: { pattern: counts.reconcileCron, tz: counts.timeZone },
      job: {
        name: 'reconcile',
        data: { v: 1 },
        opts: { removeOnComplete: 50, removeOnFail: 50, attempts: 3 },
      },
      run: async () => {
        const results = await nightlyReconcile();
        return results.map((r) => ({ period: r.period, differences: r.differences.length, ms: r.ms }));
      },
      onCheckError: onError('counts-scheduler'),
    });
    nightly = job;
    job.queue.on('error', onError('counts-queue'));
    job.worker.on('error', onError('counts-worker'));
    job.worker.on('failed', (failed, err) =>
      logger.error('nightly reconcile failed', {
        jobId: failed?.id,
        attempt: failed?.attemptsMade,
        error: err.message,
      }),
    );
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await job.ensure();
        job.keepScheduled();
        return;
      } catch (err) {
        if (stopped) return;
        onError('counts-scheduler')(coerceError(err));
        await waitFor({ ms: Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)) });
      }
    }
  }

  /**
   * Starts the background writer and the nightly reconcile. Resolves at once, without touching HEAT
   * and without waiting for Redis: the nightly part is set up in the background (startNightly), the
   * writer's errors are logged per tick, and the Redis connection, queue and worker have throttled
   * error listeners, so an outage at start is logged and survived.
   */
  async function start(): Promise<void> {
    if (!counts.enabled || !stopped) return;
    stopped = false;
    scheduleTick();
    if (deps.scheduleReconcile === false) return;
    // BullMQ wants maxRetriesPerRequest: null on worker connections (its production guide).
    bullConnection = deps.redis.duplicate({ maxRetriesPerRequest: null });
    bullConnection.on('error', onError('redis-counts'));
    nightlyTask = startNightly(bullConnection).catch((err: unknown) => {
      logger.error('nightly reconcile could not be scheduled', {
        error: coerceError(err).message,
      });
    });
  }

  /** Resolves once start() has registered the nightly scheduler (at once when it has not started one). */
  async function started(): Promise<void> {
    await nightlyTask;
  }

  async function stop(deadline: Deadline = createDeadline(STOP_DEADLINE_MS)): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    wake?.();
    await running;
    const closing = nightly?.close() ?? Promise.resolve();
    // With Redis away, BullMQ's close() waits for it; give up when the budget is spent.
    if (!(await deadline.within(closing))) {
      logger.warn('counts queue did not close in time (is Redis away?); disconnecting', {
        ms: deadline.totalMs,
      });
      closing.catch(() => undefined);
    }
    bullConnection?.disconnect();
    nightly = undefined;
    bullConnection = undefined;
    nightlyTask = undefined;
  }

  return {
    record,
    snapshot: (period) => readPeriodCounts(deps.redis, keys, period),
    flush: (options) => writer.flush(options),
    reconcile,
    nightlyReconcile,
    currentPeriod,
    start,
    started,
    stop,
  };
}
