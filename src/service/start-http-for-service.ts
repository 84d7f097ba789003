import type { LoadedConfig } from '../config/index.js';
import { createHttpServer, type HttpServer } from '../http/index.js';
import type { Service } from './service-types.js';
import { ticketFieldsNeeded } from './ticket-fields-needed.js';
import { createWebhookGuardStore, defaultWebhookRate, isEcho } from '../ingest/index.js';
import { createReadinessCheck, type Logger } from '../observability/index.js';

/** Builds and starts the HTTP face (webhook, health, readiness, metrics) of a running service. */
export async function startHttpForService(
  service: Service,
  config: LoadedConfig,
  logger: Logger,
  listen: { port?: number; host?: string; now?: () => Date } = {},
): Promise<HttpServer & { url: string }> {
  const http = config.service.http;
  const incidentSet = config.service.heat.incidentSet;
  const readiness = createReadinessCheck({
    pingRedis: async () => (await service.producer.ping()) === 'PONG',
    heatLastSuccessAt: () => service.heat.lastSuccessAt(),
    heatAuthRefused: () => service.heat.authRefusedSince(),
    async probeHeat() {
      for await (const _page of service.heat.pages(incidentSet, { select: ['RecId'], top: 1 })) break;
      return true;
    },
    queueProgress: () => service.queueProgress(),
    heatBudget: () => service.heat.budgetState(),
    staleHeatMs: http.heatStaleMinutes * 60_000,
    stuckAfterMs: Math.max(config.service.worker.lockDurationMs * 2, 60_000),
    ...(config.service.poll.enabled
      ? {
          pollLastSuccessAt: () => service.lastPollAt(),
          // A tick may take a while on a big backlog; five intervals (at least 5 minutes) without one
          // finishing means the poller is failing.
          pollStaleMs: Math.max(config.service.poll.intervalSeconds * 5_000, 300_000),
        }
      : {}),
  });
  const webhook = config.service.webhook;
  const webhookGuard = {
    // The fail-fast connection: with Redis down the webhook answers 503 at once instead of hanging.
    store: createWebhookGuardStore(service.producer, config.service.queue.prefix),
    rateLimit: {
      perSecond: webhook.rateLimit.perSecond ?? defaultWebhookRate(config.service.heat.dailyCallBudget),
      burst: webhook.rateLimit.burst,
    },
    unknownTtlSeconds: webhook.unknownTtlSeconds,
  };
  const server = createHttpServer({
    logger: logger.child({ module: 'http' }),
    metrics: service.metrics,
    config: {
      bodyLimitBytes: http.webhookBodyLimitBytes,
      signatureWindowSeconds: http.signatureWindowSeconds,
      ...(config.env.WEBHOOK_TOKEN ? { webhookToken: config.env.WEBHOOK_TOKEN } : {}),
      ...(config.env.WEBHOOK_HMAC_SECRET ? { hmacSecret: config.env.WEBHOOK_HMAC_SECRET } : {}),
      ...(config.env.ADMIN_TOKEN ? { adminToken: config.env.ADMIN_TOKEN } : {}),
      ...(config.env.METRICS_TOKEN ? { metricsToken: config.env.METRICS_TOKEN } : {}),
      requestTimeoutMs: http.requestTimeoutMs,
    },
    webhookGuard,
    recordFields: () => {
      const { config: current, policy } = service.runtime();
      return ticketFieldsNeeded(current, policy, service.missingFields());
    },
    ...(listen.now ? { now: listen.now } : {}),
    async enqueueTicket(input) {
      // A business rule fires on our own writes too: drop that echo here, as the poller does, when the
      // rule's body says who saved the record or which version it is.
      const done = input.lastModDateTime ? (await service.processed.getMany([input.recId]))[0] : null;
      if (isEcho(input, done, config.service.heat.account)) return { jobId: '', deduplicated: true };
      const { lastModBy: _by, ...job } = input;
      return service.queue.enqueue(job);
    },
    async resolveIncidentNumber(incidentNumber) {
      // One page of one row: list() would ask for a second page to see that the first was the last.
      for await (const page of service.heat.pages(incidentSet, {
        filter: `IncidentNumber eq ${incidentNumber}`,
        select: ['RecId'],
        top: 1,
      })) {
        const recId = page[0]?.RecId;
        return typeof recId === 'string' ? recId : null;
      }
      return null;
    },
    readiness,
    ...(config.env.ADMIN_TOKEN ? { bullBoardQueues: [service.queue.queue] } : {}),
  });
  const url = await server.listen(listen.port ?? http.port, listen.host ?? http.host);
  return Object.assign(server, { url });
}
