import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { checkTenantFields } from './actions/index.js';
import { compilePolicy } from './classify/index.js';
import { ConfigError, loadConfig, type LoadedConfig } from './config/index.js';
import { createCountsService, type CountsService } from './counts/index.js';
import {
  createHeatClient,
  heatClientConfigFrom,
  isPermanentHeatError,
  type HeatClient,
} from './heat/index.js';
import {
  createPollScheduler,
  createWatermarkStore,
  pollChangedTickets,
  type PollScheduler,
  type PollResult,
} from './ingest/index.js';
import { createMetrics, createThrottledErrorLog, type Logger, type Metrics, type QueueProgress } from './observability/index.js';
import { processTicket, type ProcessOutcome } from './process-ticket.js';
import {
  createProcessedStore,
  createRedisConnection,
  createTicketQueue,
  createTicketWorker,
  type ProcessedStore,
  type TicketQueue,
} from './queue/index.js';
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
  start(): Promise<void>;
  /** Runs one poll tick now (the scheduler runs them on its interval). */
  pollNow(): Promise<PollResult>;
  /** Re-reads and validates config; on any problem keeps the running config and returns the error. */
  reload(): { ok: true; policyVersion: string } | { ok: false; error: string };
  /** Drains active jobs within the deadline, then closes everything. */
  stop(deadlineMs?: number): Promise<void>;
  /** Resolves when the tickets queue has no waiting, delayed or active job. */
  waitForIdle(timeoutMs: number): Promise<boolean>;
}

const RESTART_SECTIONS = ['heat', 'poll', 'worker', 'queue', 'counts', 'http'] as const;

export function buildRuntime(config: LoadedConfig): RuntimeState {
  return {
    config,
    policy: compilePolicy(config.routing, config.policyVersion, { file: `${config.dir}/routing.yaml` }),
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
  let missingFields: ReadonlySet<string> = new Set();
  let lastJobFinishedAt: Date | null = null;
  const recordOutcome = (o: ProcessOutcome) => {
    metrics.ticketsClassified.inc({ category: o.category, scope: o.scope });
    if (o.plan.moveTo && o.patched) metrics.ticketMoves.inc({ destination: o.plan.moveTo });
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
    isPermanent: isPermanentHeatError,
    autorun: false,
    handler: async (job, meta) => {
      const endTimer = metrics.jobSeconds.startTimer();
      try {
        return await processTicket(job, meta, {
          heat,
          logger,
          runtime: () => runtime,
          processed,
          counts,
          missingFields,
          onOutcome: recordOutcome,
        });
      } finally {
        endTimer();
      }
    },
  });
  worker.on('completed', () => {
    lastJobFinishedAt = new Date();
    metrics.jobs.inc({ outcome: 'completed' });
  });
  worker.on('failed', (job, err) => {
    lastJobFinishedAt = new Date();
    const final = !job || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    metrics.jobs.inc({ outcome: final ? 'failed' : 'retried' });
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
      { heat, queue, processed, watermark, logger },
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
      ...(options.onPoll ? { onTick: options.onPoll } : {}),
    });
    scheduler.worker.on('error', onError('poll-worker'));
    scheduler.queue.on('error', onError('poll-queue'));
  }

  metrics.onScrape(async () => {
    const counts = await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ state }, n);
    const [oldest] = await queue.queue.getWaiting(0, 0);
    metrics.oldestWaitingJobAgeSeconds.set(oldest ? (Date.now() - oldest.timestamp) / 1000 : 0);
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
      const missing = await checkTenantFields(
        heat,
        runtime.config.routing.fields,
        service.heat.incidentSet,
      ).catch((err: unknown) => {
        logger.warn('could not read a sample incident to check custom fields', {
          event: 'tenant_fields_unchecked',
          error: (err as Error).message,
        });
        return [] as string[];
      });
      if (missing.length > 0) {
        logger.warn('the HEAT tenant lacks custom fields; they will not be written', {
          event: 'tenant_fields_missing',
          fields: missing,
        });
      }
      missingFields = new Set(missing);
      running = true;
      void worker.run();
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
        });
        const built = buildRuntime(next);
        // The policy, mode, school allow list and kill switch apply to the next job; connections,
        // intervals and concurrency were fixed when the process started.
        const needRestart = RESTART_SECTIONS.filter(
          (key) => JSON.stringify(next.service[key]) !== JSON.stringify(runtime.config.service[key]),
        );
        runtime = built;
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
        logger.error('config reload rejected; the running config stays', {
          event: 'config_reload_rejected',
          problems: err instanceof ConfigError ? err.problems : [message],
        });
        return { ok: false, error: message };
      }
    },
    async stop(deadlineMs = service.worker.shutdownDeadlineMs) {
      if (stopped) return;
      stopped = true;
      running = false;
      await scheduler?.stop().catch(() => undefined);
      const drained = await Promise.race([
        worker.close().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), deadlineMs).unref()),
      ]);
      if (!drained) {
        logger.warn('shutdown deadline passed; forcing', { event: 'shutdown_forced', deadlineMs });
        await worker.close(true).catch(() => undefined);
      }
      await counts?.stop().catch(() => undefined);
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
