import { createAccountCheck, createTenantFieldsCheck, warnTechnicianLoginsUnset } from '../actions/index.js';
import { createCountsService } from '../counts/index.js';
import { probeChangeQuery } from '../heat/index.js';
import { createPollStatusStore, createWatermarkStore, createWebhookGuardStore } from '../ingest/index.js';
import { createDeadline, createMetrics, createThrottledErrorLog } from '../observability/index.js';
import {
  createParkedStore,
  createProcessedStore,
  createRedisConnection,
  createRetryStore,
  createTicketQueue,
  createTicketWorker,
  warnUntaggedPrefix,
  watchTicketJobs,
} from '../queue/index.js';
import { buildHeatClient } from './build-heat-client.js';
import { collectServiceMetrics } from './collect-service-metrics.js';
import { isPermanentJobError } from './process-ticket.js';
import { createConfigReloader } from './reload-config.js';
import { redriveParked } from './redrive-parked.js';
import { buildRuntime } from './runtime-state.js';
import type { Service, ServiceOptions } from './service-types.js';
import { stopService } from './stop-service.js';
import { ticketFieldsNeeded } from './ticket-fields-needed.js';
import { createTicketJobHandler } from './ticket-job-handler.js';
import { wirePoller } from './wire-poller.js';
import { coerceError } from '../domain/index.js';

/**
 * The composition root: builds Redis connections, the HEAT client, queues, the worker, the poller and
 * the counters from one validated config, and wires reload and shutdown. Wiring only: every rule lives
 * in the module that owns it (docs/architecture.md).
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
  const heat = options.heat ?? buildHeatClient(options.config, logger, metrics, producer, options.heatDeps);
  const processed = createProcessedStore(redis, prefix);
  const retry = createRetryStore(redis, prefix);
  const parked = createParkedStore(redis, prefix);
  const watermark = createWatermarkStore(redis, prefix);
  const pollStatus = createPollStatusStore(redis, prefix);
  const webhookGuard = createWebhookGuardStore(redis, prefix);
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
  const tenantFields = createTenantFieldsCheck(
    heat,
    runtime.config.routing.fields,
    service.heat.incidentSet,
    logger,
  );

  const worker = createTicketWorker({
    connection: redis,
    prefix,
    concurrency: service.worker.concurrency,
    lockDurationMs: service.worker.lockDurationMs,
    stalledIntervalMs: service.worker.stalledIntervalMs,
    logger,
    isPermanent: isPermanentJobError,
    autorun: false,
    handler: createTicketJobHandler({
      heat,
      logger,
      metrics,
      runtime: () => runtime,
      processed,
      counts,
      queue,
      tenantFields,
      parked,
      checkAccount: createAccountCheck(service.heat.account, logger),
      onUnknownTicket: (recId) =>
        webhookGuard.rememberUnknown('recId', recId, runtime.config.service.webhook.unknownTtlSeconds),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    }),
  });
  let lastJobFinishedAt: Date | null = null;
  watchTicketJobs(worker, {
    retry,
    logger,
    onFinished: (outcome) => {
      lastJobFinishedAt = new Date();
      metrics.jobs.inc({ outcome });
    },
  });
  worker.on('error', onError('tickets-worker'));
  queue.queue.on('error', onError('tickets-queue'));

  const pollEnabled = options.poll ?? service.poll.enabled;
  const { tick, scheduler } = wirePoller({
    service,
    enabled: pollEnabled,
    heat,
    queue,
    processed,
    watermark,
    retry,
    pollStatus,
    redis,
    logger,
    onError,
    recordFields: () => ticketFieldsNeeded(runtime.config, runtime.policy, tenantFields.missing()),
    ...(options.onPoll ? { onPoll: options.onPoll } : {}),
  });
  collectServiceMetrics(metrics, { queue, watermark, pollStatus, heat, parked });
  const reloader = createConfigReloader({
    startup: options.config,
    dir: options.configDir ?? options.config.dir,
    env: options.env ?? process.env,
    logger,
    metrics,
    apply: (config) => (runtime = buildRuntime(config)),
    heat,
    onAccepted: () => redriveParked(parked, queue, logger, 'config_reloaded'),
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
    missingFields: () => tenantFields.missing(),
    lastPollAt: () => pollStatus.lastSuccessAt(),
    async queueProgress() {
      const workerRunning = running && worker.isRunning() && !worker.isPaused();
      return { ...(await queue.backlog()), lastJobFinishedAt, workerRunning };
    },
    async start() {
      await tenantFields.ensure().catch(() => undefined);
      await probeChangeQuery(heat, service.heat, logger);
      warnUntaggedPrefix(prefix, logger);
      warnTechnicianLoginsUnset(runtime.config.routing.teams, logger);
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
      const { policyVersion } = runtime.config;
      logger.info('service started', {
        event: 'started',
        policyVersion,
        mode: service.mode,
        poll: pollEnabled,
      });
    },
    pollNow: tick,
    parked,
    reload: () => reloader.reload(),
    reloadChecked: () => reloader.reloadChecked(),
    redriveParked: () => redriveParked(parked, queue, logger, 'backfill'),
    async stop(budget = service.worker.shutdownDeadlineMs) {
      if (stopped) return;
      stopped = true;
      running = false;
      const deadline = typeof budget === 'number' ? createDeadline(budget) : budget;
      await stopService({ scheduler, worker, counts, queue, heat, redis, producer }, deadline, logger);
    },
    waitForIdle: (timeoutMs) => queue.waitForIdle(timeoutMs),
  };
}
