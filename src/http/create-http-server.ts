import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import { createWebhookRoute, WEBHOOK_PATH } from '../ingest/index.js';
import type { EnqueueTicketInput, EnqueueTicketResult, WebhookGuard } from '../ingest/index.js';
import type { Logger, Metrics, ReadinessReport } from '../observability/index.js';
import { createAdminAuthHook } from './create-admin-auth-hook.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface HttpServerConfig {
  bodyLimitBytes: number;
  signatureWindowSeconds: number;
  webhookToken?: string;
  hmacSecret?: string;
  adminToken?: string;
  /** Read-only token for GET /metrics (Prometheus); ADMIN_TOKEN works there too, METRICS_TOKEN nowhere else. */
  metricsToken?: string;
  /** A request whose headers and body have not all arrived after this long gets 408 (default 10000). */
  requestTimeoutMs?: number;
  /** Longest wait for enqueueTicket / resolveIncidentNumber before the webhook answers 503 (default 5000). */
  upstreamTimeoutMs?: number;
}

export interface HttpServerDeps {
  logger: Logger;
  metrics: Metrics;
  config: HttpServerConfig;
  /** Queue one ticket job; throws (any error) when Redis is unreachable -> 503. Deduplicated per ticket by the queue layer. */
  enqueueTicket(input: EnqueueTicketInput): Promise<EnqueueTicketResult>;
  /** IncidentNumber -> RecId via HEAT (null when HEAT has no such incident). */
  resolveIncidentNumber(incidentNumber: number): Promise<string | null>;
  /** From createReadinessCheck. */
  readiness(): Promise<ReadinessReport>;
  /** Mount bull-board at /admin/queues behind ADMIN_TOKEN (throws at creation without ADMIN_TOKEN). */
  bullBoardQueues?: Queue[];
  /** Replay, rate-limit and unknown-id guards of the webhook (Redis); none without it. */
  webhookGuard?: WebhookGuard;
  /** The fields a webhook body must carry for its job to skip the worker's GET (none: ids only). */
  recordFields?: () => readonly string[];
  now?: () => Date;
}

export interface HttpServer {
  app: FastifyInstance;
  /** Resolves with the address listened on, e.g. http://127.0.0.1:8080. */
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The service's HTTP face: POST /webhooks/heat, GET /healthz (process alive), GET /readyz (Redis,
 * HEAT, jobs progressing; 503 with the same report when not ready), GET /metrics (Prometheus text) and,
 * when queues are given, the bull-board dashboard behind ADMIN_TOKEN.
 *
 * The webhook is mounted only when WEBHOOK_TOKEN or WEBHOOK_HMAC_SECRET is set: polling is the
 * backbone and keeps working without it, and an unauthenticated webhook is never served.
 */
export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const { config, logger } = deps;
  const requestTimeout = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    logger: false,
    bodyLimit: config.bodyLimitBytes,
    // During close() new requests get 503 so that a load balancer moves on while jobs drain.
    return503OnClosing: true,
    // Fastify 5 sets no request timeout: a client sending a body slowly (or less body than its
    // Content-Length) would hold a socket before it is authenticated (auth needs the whole body). A
    // HEAT rule posts a few hundred bytes at once. Node checks the deadline every
    // connectionsCheckingInterval (30 s by default) and only when headersTimeout is not longer, so
    // all three are given to the server itself: the 408 then comes within about a second of it.
    requestTimeout,
    connectionTimeout: Math.max(30_000, requestTimeout * 3),
    http: {
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.floor(requestTimeout / 4))),
    },
  });

  app.get('/healthz', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));

  app.get('/readyz', async (_request, reply) => {
    let report: ReadinessReport;
    try {
      report = await deps.readiness();
    } catch (error) {
      logger.error('readiness check failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      return reply.code(503).send({ ready: false, error: 'readiness check failed' });
    }
    return reply.code(report.ready ? 200 : 503).send(report);
  });

  // With ADMIN_TOKEN or METRICS_TOKEN set, /metrics wants one of them (Prometheus gets the read-only
  // METRICS_TOKEN: `authorization: { credentials: ... }`): the port also serves HEAT's webhook, which
  // may have to be reachable from outside. METRICS_TOKEN opens nothing but /metrics.
  const metricsTokens = [config.adminToken, config.metricsToken].filter(
    (t): t is string => t !== undefined && t !== '',
  );
  const metricsAuth =
    metricsTokens.length > 0
      ? { onRequest: createAdminAuthHook(metricsTokens, 'METRICS_TOKEN or ADMIN_TOKEN') }
      : {};
  app.get('/metrics', metricsAuth, async (_request, reply) => {
    const text = await deps.metrics.render();
    return reply.type(deps.metrics.contentType).send(text);
  });

  if (config.webhookToken || config.hmacSecret) {
    app.register(
      createWebhookRoute({
        logger,
        metrics: deps.metrics,
        bodyLimitBytes: config.bodyLimitBytes,
        signatureWindowSeconds: config.signatureWindowSeconds,
        webhookToken: config.webhookToken,
        hmacSecret: config.hmacSecret,
        enqueueTicket: deps.enqueueTicket,
        resolveIncidentNumber: deps.resolveIncidentNumber,
        upstreamTimeoutMs: config.upstreamTimeoutMs,
        ...(deps.webhookGuard ? { guard: deps.webhookGuard } : {}),
        ...(deps.recordFields ? { recordFields: deps.recordFields } : {}),
        now: deps.now,
      }),
    );
  } else {
    logger.warn(
      `webhook ${WEBHOOK_PATH} disabled: set WEBHOOK_TOKEN or WEBHOOK_HMAC_SECRET to enable it (polling still runs)`,
    );
  }

  if (deps.bullBoardQueues !== undefined) {
    const adminAuth = createAdminAuthHook(config.adminToken);
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: deps.bullBoardQueues.map((queue) => new BullMQAdapter(queue)),
      serverAdapter,
    });
    app.register(async (admin) => {
      // A hook in this parent context runs before every dashboard route, static files included.
      admin.addHook('onRequest', adminAuth);
      await admin.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
    });
  }

  return {
    app,
    async listen(port, host) {
      await app.listen({ port, host });
      // app.listen's own answer names 127.0.0.1 even when bound to every interface: log what is bound.
      const bound = app.server.address();
      const address =
        bound !== null && typeof bound === 'object'
          ? `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
          : String(bound);
      logger.info('http server listening', {
        address,
        host,
        port: typeof bound === 'object' ? bound?.port : port,
      });
      return address;
    },
    async close() {
      await app.close();
    },
  };
}
