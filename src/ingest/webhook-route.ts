import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { withTimeout, type Logger, type Metrics, type WebhookOutcome } from '../observability/index.js';
import { createWebhookAuthenticator, type WebhookAuthResult } from './webhook-auth.js';
import type { RateLimit, WebhookGuardStore } from './webhook-guard-store.js';
import { parseWebhookPayload, type WebhookTarget } from './webhook-payload.js';
import type { CarriedRecord } from '../queue/index.js';

export const WEBHOOK_PATH = '/webhooks/heat';

export interface EnqueueTicketInput {
  recId: string;
  source: 'webhook';
  lastModDateTime?: string;
  /** LastModBy from the rule's body, when it sends one (the service drops echoes of its own writes). */
  lastModBy?: string;
  /** The fields the worker needs, when the body carried all of them (never logged). */
  record?: CarriedRecord;
  /** When that record was HEAT's current version (its save time, at the latest now). */
  seenAt?: string;
}

export interface EnqueueTicketResult {
  jobId: string;
  deduplicated: boolean;
}

export interface WebhookRouteDeps {
  logger: Logger;
  metrics: Pick<Metrics, 'webhookRequests'>;
  /** Largest body accepted (service.yaml http.webhookBodyLimitBytes, 64 KB by default). */
  bodyLimitBytes: number;
  signatureWindowSeconds: number;
  webhookToken?: string;
  hmacSecret?: string;
  /** Queues one ticket job; throws when Redis is unreachable (the producer fails fast) -> 503. */
  enqueueTicket(input: EnqueueTicketInput): Promise<EnqueueTicketResult>;
  /** IncidentNumber -> RecId through HEAT; null when HEAT has no such incident. */
  resolveIncidentNumber(incidentNumber: number): Promise<string | null>;
  /**
   * Longest wait for enqueueTicket / resolveIncidentNumber before answering 503 (default 5000). BullMQ's
   * Queue.add waits for the Redis connection to become ready instead of failing, so without this bound
   * a Redis outage would hang the caller instead of telling it to retry.
   */
  upstreamTimeoutMs?: number;
  /**
   * Abuse guards kept in Redis (shared by replicas): replayed signatures, a per-sender rate limit and a
   * negative cache of ids HEAT does not know. Without it none of the three applies (unit tests).
   */
  guard?: WebhookGuard;
  /**
   * The fields the worker needs (service/ticketFieldsNeeded): a body carrying all of them, with
   * LastModDateTime, is queued with them so that the worker skips its GET. Omitted: ids only.
   */
  recordFields?: () => readonly string[];
  now?: () => Date;
}

export interface WebhookGuard {
  store: WebhookGuardStore;
  /** Per sender (credential, or client IP for requests without valid credentials). */
  rateLimit: RateLimit;
  /** How long an id HEAT did not know is answered 404 without asking HEAT again. */
  unknownTtlSeconds: number;
}

const DEFAULT_UPSTREAM_TIMEOUT_MS = 5_000;

/** Callers that get a 503 may retry; Redis or HEAT blips are usually over within this. */
const RETRY_AFTER_SECONDS = '30';

/** What the route's steps share: the dependencies with their defaults filled in. */
interface RouteContext {
  deps: WebhookRouteDeps;
  logger: Logger;
  now: () => Date;
  guard: WebhookGuard | undefined;
  upstreamTimeoutMs: number;
}

type SignedAuth = Extract<WebhookAuthResult, { ok: true }>;
type Signature = NonNullable<SignedAuth['signature']>;

function answer(
  ctx: RouteContext,
  reply: FastifyReply,
  status: number,
  outcome: WebhookOutcome,
  body: Record<string, unknown>,
): FastifyReply {
  ctx.deps.metrics.webhookRequests.inc({ outcome });
  // Refusals of the request's form are logged too (a rule misconfigured in HEAT shows up here).
  if (outcome === 'unsupported_media_type' || outcome === 'too_large') {
    ctx.logger.warn('webhook: request refused', { event: 'webhook_refused', outcome, status });
  }
  return reply.code(status).type('application/json').send(body);
}

/** 503 with Retry-After: HEAT's business rule (or a load balancer) tries again later. */
function unavailable(ctx: RouteContext, reply: FastifyReply, message: string): FastifyReply {
  reply.header('retry-after', RETRY_AFTER_SECONDS);
  return answer(ctx, reply, 503, 'unavailable', { error: 'unavailable', message });
}

function redisUnavailable(ctx: RouteContext, reply: FastifyReply, error: unknown): FastifyReply {
  ctx.logger.error('webhook: Redis unavailable for the webhook guards', { error: messageOf(error) });
  return unavailable(ctx, reply, 'Redis is unavailable; retry later');
}

/**
 * Answers 429 (or 503 without Redis) and returns true when the sender may not go on. A boolean, not
 * the reply: a FastifyReply is thenable, so returning it from an async function would await it.
 * The other async steps below follow the same rule (true / null: answered).
 */
async function overRate(ctx: RouteContext, reply: FastifyReply, sender: string): Promise<boolean> {
  const guard = ctx.guard;
  if (!guard) return false;
  let decision;
  try {
    decision = await withTimeout(
      guard.store.take(sender, guard.rateLimit, ctx.now().getTime()),
      ctx.upstreamTimeoutMs,
      'Redis',
    );
  } catch (error) {
    redisUnavailable(ctx, reply, error);
    return true;
  }
  if (decision.allowed) return false;
  ctx.logger.warn('webhook: sender over its rate limit', { event: 'webhook_rate_limited', sender });
  reply.header('retry-after', String(decision.retryAfterSeconds));
  answer(ctx, reply, 429, 'rate_limited', {
    error: 'rate_limited',
    message: `more than ${Math.round(guard.rateLimit.perSecond * 100) / 100} requests per second (burst ${guard.rateLimit.burst}); retry after ${decision.retryAfterSeconds} s`,
  });
  return true;
}

/**
 * A signature is accepted once: a captured request replayed inside its window queues nothing and
 * costs HEAT nothing. Claimed atomically (SET NX), so two replicas cannot both accept it. True when
 * answered (replay, or Redis unavailable).
 */
async function refusedReplay(
  ctx: RouteContext,
  guard: WebhookGuard,
  request: FastifyRequest,
  reply: FastifyReply,
  signature: Signature,
): Promise<boolean> {
  const ttl = Math.ceil(signature.validUntilSeconds - ctx.now().getTime() / 1000) + 1;
  let first: boolean;
  try {
    first = await withTimeout(guard.store.claimSignature(signature.hex, ttl), ctx.upstreamTimeoutMs, 'Redis');
  } catch (error) {
    redisUnavailable(ctx, reply, error);
    return true;
  }
  if (first) return false;
  ctx.logger.warn('webhook: replayed signature ignored', {
    event: 'webhook_replay',
    remoteAddress: request.ip,
  });
  answer(ctx, reply, 200, 'replayed', { status: 'duplicate' });
  return true;
}

/** A RecId the worker found unknown is answered 404 from Redis. True when answered. */
async function refusedUnknownRecId(
  ctx: RouteContext,
  reply: FastifyReply,
  recId: string,
  release: () => Promise<void>,
): Promise<boolean> {
  const guard = ctx.guard;
  if (!guard) return false;
  let unknown: boolean;
  try {
    unknown = await withTimeout(guard.store.isUnknown('recId', recId), ctx.upstreamTimeoutMs, 'Redis');
  } catch (error) {
    await release();
    redisUnavailable(ctx, reply, error);
    return true;
  }
  if (!unknown) return false;
  answer(ctx, reply, 404, 'unknown_ticket', {
    error: 'unknown_ticket',
    message: `HEAT has no incident with RecId ${recId}`,
  });
  return true;
}

/** IncidentNumber -> RecId through HEAT (and the negative cache); null when answered. */
async function recIdOfIncidentNumber(
  ctx: RouteContext,
  reply: FastifyReply,
  incidentNumber: number,
  release: () => Promise<void>,
): Promise<string | null> {
  const { guard, upstreamTimeoutMs } = ctx;
  let resolved: string | null;
  try {
    const known =
      guard === undefined ||
      !(await withTimeout(
        guard.store.isUnknown('incidentNumber', String(incidentNumber)),
        upstreamTimeoutMs,
        'Redis',
      ));
    resolved = known
      ? await withTimeout(ctx.deps.resolveIncidentNumber(incidentNumber), upstreamTimeoutMs, 'HEAT lookup')
      : null;
    if (known && resolved === null && guard) {
      await guard.store.rememberUnknown('incidentNumber', String(incidentNumber), guard.unknownTtlSeconds);
    }
  } catch (error) {
    await release();
    ctx.logger.error('webhook: HEAT lookup of IncidentNumber failed', {
      incidentNumber,
      error: messageOf(error),
    });
    unavailable(
      ctx,
      reply,
      'could not look up the IncidentNumber in HEAT; retry later, or send RecId instead',
    );
    return null;
  }
  if (resolved === null) {
    ctx.logger.warn('webhook: HEAT has no such incident', { incidentNumber });
    answer(ctx, reply, 404, 'unknown_incident', {
      error: 'unknown_incident',
      message: `HEAT has no incident with IncidentNumber ${incidentNumber}`,
    });
  }
  return resolved;
}

/** Queues the ticket's job; null when answered 503 (queue unavailable). */
async function enqueueTicket(
  ctx: RouteContext,
  reply: FastifyReply,
  recId: string,
  target: WebhookTarget,
  release: () => Promise<void>,
): Promise<EnqueueTicketResult | null> {
  try {
    // A late success after the timeout is harmless: the caller's retry collapses into the same job.
    return await withTimeout(
      ctx.deps.enqueueTicket({
        recId,
        source: 'webhook',
        ...(target.lastModDateTime === undefined ? {} : { lastModDateTime: target.lastModDateTime }),
        ...(target.lastModBy === undefined ? {} : { lastModBy: target.lastModBy }),
        ...(target.record ? { record: target.record, seenAt: seenAtOf(ctx, target) } : {}),
      }),
      ctx.upstreamTimeoutMs,
      'enqueue',
    );
  } catch (error) {
    await release();
    ctx.logger.error('webhook: could not queue the ticket (Redis unreachable?)', {
      ticketId: recId,
      error: messageOf(error),
    });
    unavailable(ctx, reply, 'the job queue is unavailable; retry later');
    return null;
  }
}

function answerQueued(
  ctx: RouteContext,
  reply: FastifyReply,
  recId: string,
  queued: EnqueueTicketResult,
  auth: SignedAuth,
): FastifyReply {
  ctx.logger.info('webhook: ticket queued', {
    ticketId: recId,
    jobId: queued.jobId,
    deduplicated: queued.deduplicated,
    auth: auth.method,
  });
  // No job id: nothing was queued (the echo of our own write, or a version already processed).
  const ignored = queued.deduplicated && queued.jobId === '';
  return answer(ctx, reply, 202, queued.deduplicated ? 'deduplicated' : 'accepted', {
    status: ignored ? 'ignored' : 'queued',
    ...(ignored ? { reason: 'already processed' } : { jobId: queued.jobId }),
    deduplicated: queued.deduplicated,
  });
}

/** Maps fastify's own errors for this route (content type, size, parsing) to the webhook's answers. */
function answerRouteError(ctx: RouteContext, error: FastifyError, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return answer(ctx, reply, 415, 'unsupported_media_type', {
      error: 'unsupported_media_type',
      message: 'send a JSON body with Content-Type: application/json',
    });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return answer(ctx, reply, 413, 'too_large', {
      error: 'too_large',
      message: `the body is over ${ctx.deps.bodyLimitBytes} bytes; send only {"RecId": "..."}`,
    });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return answer(ctx, reply, status, 'bad_request', { error: 'bad_request', message: error.message });
  }
  ctx.logger.error('webhook: unexpected error', { error: error.message });
  return answer(ctx, reply, 500, 'unavailable', {
    error: 'internal',
    message: 'internal error; retry later',
  });
}

/**
 * POST /webhooks/heat: a HEAT business rule or quick action names a ticket; we queue one job for it
 * and answer 202 before the caller's timeout (the worker reads, classifies and routes the ticket).
 *
 * Checks run in this order and nothing is queued unless all pass: content type (415), size (413),
 * the sender's rate (429; with a guard), credentials on the raw body (401), JSON (400), shape (400
 * naming what is missing), a signature already accepted (200 "duplicate"; with a guard). An
 * IncidentNumber HEAT does not know answers 404 (the rule's body template is wrong; retrying cannot
 * help). A RecId is not looked up here: an unknown one is found and dropped by the worker (HEAT's 400
 * "Invalid key"), which remembers it, so that it is answered 404 from Redis for a while.
 *
 * Throws at creation when neither a token nor an HMAC secret is configured.
 */
export function createWebhookRoute(deps: WebhookRouteDeps): FastifyPluginAsync {
  const authenticate = createWebhookAuthenticator({
    token: deps.webhookToken,
    hmacSecret: deps.hmacSecret,
    signatureWindowSeconds: deps.signatureWindowSeconds,
    now: deps.now,
  });
  const ctx: RouteContext = {
    deps,
    logger: deps.logger.child({ component: 'webhook' }),
    now: deps.now ?? (() => new Date()),
    guard: deps.guard,
    upstreamTimeoutMs: deps.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
  };
  const { logger, guard } = ctx;
  const credentialHint = [
    deps.webhookToken ? 'X-SBT-Token' : undefined,
    deps.hmacSecret ? 'X-SBT-Timestamp and X-SBT-Signature (sha256=HMAC of "<timestamp>.<body>")' : undefined,
  ]
    .filter(Boolean)
    .join(', or ');

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) {
      // Fastify only skips the parser when there is no Content-Type and no body at all.
      return answer(ctx, reply, 415, 'unsupported_media_type', {
        error: 'unsupported_media_type',
        message: 'send a JSON body with Content-Type: application/json',
      });
    }

    const auth = authenticate(request.headers, raw);
    // Without valid credentials the client's address is the sender, so a flood of guesses is slowed too.
    if (await overRate(ctx, reply, auth.ok ? auth.senderId : `ip:${request.ip}`)) return reply;
    if (!auth.ok) {
      logger.warn('webhook refused: bad credentials', { reason: auth.reason, remoteAddress: request.ip });
      return answer(ctx, reply, 401, 'unauthorized', {
        error: 'unauthorized',
        message: `${auth.reason}: send ${credentialHint}`,
      });
    }

    const payload = parseWebhookPayload(raw, deps.recordFields?.());
    if (!payload.ok) {
      logger.warn('webhook refused: bad request', { problem: payload.problem, auth: auth.method });
      return answer(ctx, reply, 400, 'bad_request', { error: 'bad_request', message: payload.problem });
    }

    const signature = guard && auth.signature ? auth.signature : undefined;
    if (signature && guard && (await refusedReplay(ctx, guard, request, reply, signature))) return reply;
    // Nothing was queued: the same signed request retried later must not be taken for a replay.
    const release = async () => {
      if (signature && guard) await guard.store.releaseSignature(signature.hex).catch(() => undefined);
    };

    const target = payload.target;
    let recId: string;
    if (target.kind === 'recId') {
      recId = target.recId;
      if (await refusedUnknownRecId(ctx, reply, recId, release)) return reply;
    } else {
      const resolved = await recIdOfIncidentNumber(ctx, reply, target.incidentNumber, release);
      if (resolved === null) return reply;
      recId = resolved;
    }

    const queued = await enqueueTicket(ctx, reply, recId, target, release);
    if (queued === null) return reply;
    return answerQueued(ctx, reply, recId, queued, auth);
  }

  return async function webhookRoute(app: FastifyInstance): Promise<void> {
    // This plugin's own context: other routes keep fastify's JSON parser, this one sees raw bytes,
    // because the signature is over the exact bytes sent (parsing first would lose them).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes },
      (_request, body, done) => {
        done(null, body);
      },
    );
    app.setErrorHandler((error: FastifyError, _request, reply) => answerRouteError(ctx, error, reply));
    app.post(WEBHOOK_PATH, { bodyLimit: deps.bodyLimitBytes }, handle);
  };
}

/** The save time of the body's version, at the latest now (a sender's clock may run ahead). */
function seenAtOf(ctx: RouteContext, target: WebhookTarget): string {
  const now = ctx.now().getTime();
  const saved = target.lastModDateTime === undefined ? NaN : Date.parse(target.lastModDateTime);
  return new Date(Number.isFinite(saved) ? Math.min(saved, now) : now).toISOString();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
