import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createAccountCheck, createTenantFieldsCheck } from '../actions/index.js';
import { checkPolicyCompiles, compileLoadedPolicy } from '../classify/index.js';
import { ConfigError, loadConfig, reloadDiff, type LoadedConfig } from '../config/index.js';
import { createCountsService, type CountsService } from '../counts/index.js';
import {
  coerceError,
  createHeatClient,
  heatClientConfigFrom,
  probeChangeQuery,
  type HeatClient,
} from '../heat/index.js';
import {
  createPollScheduler,
  createWatermarkStore,
  pollChangedTickets,
  type PollScheduler,
  type PollResult,
} from '../ingest/index.js';
import {
  createDeadline,
  createMetrics,
  createThrottledErrorLog,
  type Deadline,
  type Logger,
  type Metrics,
  type QueueProgress,
} from '../observability/index.js';
import { isPermanentJobError, processTicket, type ProcessOutcome } from './process-ticket.js';
import {
  createProcessedStore,
  createRedisConnection,
  createRetryStore,
  createTicketQueue,
  createTicketWorker,
  failedJobFacts,
  failedJobOutcome,
  type ProcessedStore,
  type TicketQueue,
} from '../queue/index.js';
import type { RuntimeState } from './runtime-state.js';

export interface ServiceOptions {
  config: LoadedConfig;
  logger: Logger;
  redisUrl: string;
  /** Injected in tests; built from config otherwise. */
  heat?: HeatClient;
  /** Run the poll scheduler in this process (default: service.poll.enabled). */
  poll?: boolean;
  /** Where config is re-read from on reload (default: config.dir). */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  onOutcome?: (outcome: ProcessOutcome) => void;
  onPoll?: (result: PollResult) => void;
  /** Injected in tests; a fresh registry otherwise. */
  metrics?: Metrics;
}

export interface Service {
  readonly heat: HeatClient;
  readonly queue: TicketQueue;
  readonly worker: Worker;
  readonly counts: CountsService | null;
  readonly processed: ProcessedStore;
  readonly redis: Redis;
  /** The fail-fast connection (webhook enqueues, readiness pings). */
  readonly producer: Redis;
  readonly metrics: Metrics;
  runtime(): RuntimeState;
  /** Queue state for readiness: waiting/active counts, oldest waiting job, last finished job. */
  queueProgress(): Promise<QueueProgress>;
  /** When any replica last finished a poll tick (kept in Redis; null before the first). */
  lastPollAt(): Promise<Date | null>;
  start(): Promise<void>;
  /** Runs one poll tick now (the scheduler runs them on its interval). */
  pollNow(): Promise<PollResult>;
  /** Re-reads and validates config; on any problem keeps the running config and returns the error. */
  reload(): { ok: true; policyVersion: string } | { ok: false; error: string };
  /**
   * Drains active jobs within the shutdown budget (worker.shutdownDeadlineMs by default; a Deadline
   * when the caller has spent part of it already, e.g. on closing HTTP), then closes everything.
   */
  stop(budget?: number | Deadline): Promise<void>;
  /** Resolves when the tickets queue has no waiting, delayed or active job. */
  waitForIdle(timeoutMs: number): Promise<boolean>;
}

interface JobSummary {
  category: string;
  scope: string;
  plan: string;
  patched: boolean;
  noted: boolean;
}

export function buildRuntime(config: LoadedConfig): RuntimeState {
  return {
    config,
    policy: compileLoadedPolicy(config),
  };
}

/**
 * The composition root: builds Redis connections, the HEAT client, queues, the worker, the poller and
 * the counters from one validated config, and wires reload and shutdown.
 */
export function createService(options: ServiceOptions): Service {
  const { logger } = options;
  let runtime = buildRuntime(options.config);
  const service = options.config.service;
  const prefix = service.queue.prefix;

  const metrics = options.metrics ?? createMetrics();
  const onError = createThrottledErrorLog(logger);
  const redis = createRedisConnection(options.redisUrl, 'worker');
  const producer = createRedisConnection(options.redisUrl, 'producer');
  redis.on('error', onError('redis'));
  producer.on('error', onError('redis-producer'));
  const heat =
    options.heat ??
    createHeatClient(heatClientConfigFrom(service, options.config.env), {
      logger: logger.child({ module: 'heat' }),
      onCall: (call) => {
        metrics.heatCalls.inc({ method: call.method, status: String(call.status) });
        metrics.heatCallSeconds.observe({ method: call.method }, call.ms / 1000);
      },
    });
  const processed = createProcessedStore(redis, prefix);
  const retry = createRetryStore(redis, prefix);
  const queue = createTicketQueue({
    connection: producer,
    prefix,
    attempts: service.worker.attempts,
    backoffMs: service.worker.backoffMs,
  });
  const counts = service.counts.enabled
    ? createCountsService({
        redis,
        heat,
        logger: logger.child({ module: 'counts' }),
        config: service,
        fields: runtime.config.routing.fields,
      })
    : null;
  let lastJobFinishedAt: Date | null = null;
  let lastPollAt: Date | null = null;
  const tenantFields = createTenantFieldsCheck(
    heat,
    runtime.config.routing.fields,
    service.heat.incidentSet,
    logger,
  );
  const checkAccount = createAccountCheck(service.heat.account, logger);
  const recordOutcome = (o: ProcessOutcome) => {
    checkAccount(o.writtenBy);
    metrics.ticketsClassified.inc({ category: o.category, scope: o.scope });
    if (o.plan.moveTo && o.patched && !o.moveRefused) metrics.ticketMoves.inc({ destination: o.plan.moveTo });
    if (o.plan.override) metrics.overrides.inc({ category: o.category });
    options.onOutcome?.(o);
  };

  const worker = createTicketWorker({
    connection: redis,
    prefix,
    concurrency: service.worker.concurrency,
    lockDurationMs: service.worker.lockDurationMs,
    stalledIntervalMs: service.worker.stalledIntervalMs,
    logger,
    isPermanent: isPermanentJobError,
    autorun: false,
    handler: async (job, meta) => {
      const endTimer = metrics.jobSeconds.startTimer();
      await tenantFields.ensure().catch(() => undefined);
      try {
        const o = await processTicket(job, meta, {
          heat,
          logger,
          runtime: () => runtime,
          processed,
          counts,
          missingFields: tenantFields.missing(),
          onOutcome: recordOutcome,
          onMoveRefused: (destination) => metrics.ticketMovesRefused.inc({ destination }),
          requeue: (recId) => queue.enqueue({ recId, source: 'poll' }),
        });
        // What BullMQ keeps as the job's return value (in Redis, for the dashboard): a summary.
        const summary: JobSummary = {
          category: o.category,
          scope: o.scope,
          plan: o.plan.kind,
          patched: o.patched,
          noted: o.noted,
        };
        return summary;
      } finally {
        endTimer();
      }
    },
  });
  worker.on('completed', (_job, result: JobSummary | undefined) => {
    lastJobFinishedAt = new Date();
    // skipped: the ticket already showed its decision (a duplicate, a retry, an echo that got through).
    metrics.jobs.inc({ outcome: result && !result.patched && !result.noted ? 'skipped' : 'completed' });
  });
  worker.on('failed', (job, err) => {
    lastJobFinishedAt = new Date();
    const outcome = failedJobOutcome(failedJobFacts(job, err));
    metrics.jobs.inc({ outcome });
    const recId = (job?.data as { recId?: unknown } | undefined)?.recId;
    if (outcome === 'failed' && typeof recId === 'string') {
      // Out of attempts for a reason that may pass: the next poll tick takes it back (retry-store.ts).
      retry.add(recId).catch((e: unknown) =>
        logger.error('could not remember a failed ticket for retry', {
          event: 'retry_store_failed',
          ticketId: recId,
          error: coerceError(e).message,
        }),
      );
    }
    logger.warn('job failed', {
      event: 'job_failed',
      jobId: job?.id,
      ticketId: (job?.data as { recId?: string } | undefined)?.recId,
      attempt: job?.attemptsMade,
      error: err.message,
    });
  });
  worker.on('error', onError('tickets-worker'));
  queue.queue.on('error', onError('tickets-queue'));

  const watermark = createWatermarkStore(redis, prefix);
  const tick = () =>
    pollChangedTickets(
      { heat, queue, processed, watermark, retry, logger },
      {
        incidentSet: service.heat.incidentSet,
        pageSize: service.heat.pageSize,
        overlapSeconds: service.poll.overlapSeconds,
        account: service.heat.account,
        ...(service.poll.startFrom ? { startFrom: service.poll.startFrom } : {}),
      },
    );
  const pollEnabled = options.poll ?? service.poll.enabled;
  let scheduler: PollScheduler | null = null;
  if (pollEnabled) {
    scheduler = createPollScheduler({
      connection: redis,
      redis,
      prefix,
      intervalMs: service.poll.intervalSeconds * 1000,
      logger,
      tick,
      onTick: (result) => {
        lastPollAt = new Date();
        // In Redis, so that every replica's readiness sees the poll that one of them ran.
        redis.set(`${prefix}:poll:last-success`, lastPollAt.toISOString()).catch(() => undefined);
        options.onPoll?.(result);
      },
    });
    scheduler.worker.on('error', onError('poll-worker'));
    scheduler.queue.on('error', onError('poll-queue'));
  }

  metrics.onScrape(async () => {
    const counts = await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ state }, n);
    const [oldest] = await queue.queue.getWaiting(0, 0);
    metrics.oldestWaitingJobAgeSeconds.set(oldest ? (Date.now() - oldest.timestamp) / 1000 : 0);
    if (lastPollAt) metrics.pollLastSuccessTimestampSeconds.set(lastPollAt.getTime() / 1000);
    const mark = await watermark.get();
    if (mark) metrics.pollLagSeconds.set(Math.max(0, (Date.now() - Date.parse(mark)) / 1000));
    const stats = heat.stats();
    metrics.heatBudgetUsedRatio.set(stats.budget > 0 ? stats.calls / stats.budget : 0);
  });

  let stopped = false;
  let running = false;
  return {
    heat,
    queue,
    worker,
    counts,
    processed,
    redis,
    producer,
    metrics,
    runtime: () => runtime,
    async lastPollAt() {
      const stored = await redis.get(`${prefix}:poll:last-success`);
      return stored ? new Date(stored) : null;
    },
    async queueProgress() {
      const c = await queue.queue.getJobCounts('waiting', 'active', 'prioritized');
      const [oldest] = await queue.queue.getWaiting(0, 0);
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        oldestWaitingAgeMs: oldest ? Date.now() - oldest.timestamp : null,
        lastJobFinishedAt,
        workerRunning: running && worker.isRunning() && !worker.isPaused(),
      };
    },
    async start() {
      await tenantFields.ensure().catch(() => undefined);
      await probeChangeQuery(heat, service.heat, logger);
      if (!/\{[^}]+\}/.test(prefix)) {
        logger.warn('queue.prefix has no {hash tag}: BullMQ fails with CROSSSLOT on a Redis Cluster', {
          event: 'queue_prefix_untagged',
          prefix,
          fix: "write it with braces, e.g. queue.prefix: '{sbt}'",
        });
      }
      if (runtime.config.routing.teams.technicianLogins.length === 0) {
        logger.warn(
          "teams.technicianLogins is empty: a gradebook ticket a technician owns outside the technicians' team keeps its Owner",
          {
            event: 'technician_logins_unset',
            fix: "list the technicians' HEAT logins under teams.technicianLogins in routing.yaml",
          },
        );
      }
      running = true;
      worker.run().catch((err: unknown) => {
        running = false;
        logger.error('the ticket worker stopped', {
          event: 'worker_stopped',
          error: coerceError(err).message,
        });
      });
      await counts?.start();
      await scheduler?.start();
      logger.info('service started', {
        event: 'started',
        policyVersion: runtime.config.policyVersion,
        mode: service.mode,
        poll: pollEnabled,
      });
    },
    pollNow: tick,
    reload() {
      try {
        const next = loadConfig({
          dir: options.configDir ?? runtime.config.dir,
          env: options.env ?? process.env,
          checkPolicy: checkPolicyCompiles,
        });
        // Only the policy-level settings apply now; the rest waits for a restart (config/reload-diff.ts).
        const { frozen, needRestart } = reloadDiff(options.config, next);
        runtime = buildRuntime(frozen);
        metrics.configReloads.inc({ outcome: 'accepted' });
        logger.info('config reloaded', { event: 'config_reloaded', policyVersion: next.policyVersion });
        if (needRestart.length > 0) {
          logger.warn('some changed settings take effect after a restart', {
            event: 'config_restart_required',
            sections: needRestart,
          });
        }
        return { ok: true, policyVersion: next.policyVersion };
      } catch (err) {
        const message = err instanceof ConfigError ? err.message : String(err);
        metrics.configReloads.inc({ outcome: 'rejected' });
        logger.error('config reload rejected; the running config stays', {
          event: 'config_reload_rejected',
          problems: err instanceof ConfigError ? err.problems : [message],
        });
        return { ok: false, error: message };
      }
    },
    async stop(budget: number | Deadline = service.worker.shutdownDeadlineMs) {
      if (stopped) return;
      stopped = true;
      running = false;
      // One budget for everything that waits for work in progress (a poll tick, active jobs, a counts
      // flush); the last tenth (at most 2 s) is kept for closing the worker by force (its jobs are
      // retried by another replica).
      const deadline = typeof budget === 'number' ? createDeadline(budget) : budget;
      const forceReserveMs = Math.min(2_000, deadline.totalMs / 10);
      const drain = async () => {
        await scheduler?.stop().catch(() => undefined);
        await worker.close();
        await counts?.stop(deadline).catch(() => undefined);
      };
      const drained = await deadline.within(drain(), { reserveMs: forceReserveMs });
      if (!drained) {
        logger.warn('shutdown deadline passed; forcing', {
          event: 'shutdown_forced',
          deadlineMs: deadline.totalMs,
        });
        await deadline
          .within(Promise.all([worker.close(true), scheduler?.stop(true)]))
          .catch(() => undefined);
      }
      await queue.close().catch(() => undefined);
      heat.close();
      redis.disconnect();
      producer.disconnect();
      logger.info('service stopped', { event: 'stopped', drained });
    },
    async waitForIdle(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const c = await queue.queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'waiting-children',
        );
        if (Object.values(c).every((n) => n === 0)) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    },
  };
}
