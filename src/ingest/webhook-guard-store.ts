import type { Redis } from 'ioredis';
import { ensureReady } from '../queue/index.js';

export interface RateLimit {
  /** Tokens added per second (the sustained rate). */
  perSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet spell. */
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export type UnknownKind = 'recId' | 'incidentNumber';

/**
 * What the webhook remembers in Redis, shared by every replica: signatures already accepted (a
 * captured signed request replayed inside its window is answered without queuing anything), one
 * token bucket per sender, and ids HEAT did not know (so the same unknown id costs HEAT one call).
 */
export interface WebhookGuardStore {
  /** true the first time this signature is seen; false for a replay. Kept for ttlSeconds (SET NX EX). */
  claimSignature(signatureHex: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a claimed signature (the request could not be queued, so the caller's retry must pass). */
  releaseSignature(signatureHex: string): Promise<void>;
  /** Takes one token from the sender's bucket at `nowMs`. */
  take(sender: string, limit: RateLimit, nowMs: number): Promise<RateDecision>;
  isUnknown(kind: UnknownKind, id: string): Promise<boolean>;
  rememberUnknown(kind: UnknownKind, id: string, ttlSeconds: number): Promise<void>;
}

/**
 * A token bucket in one hash (tokens, last refill in ms). The caller's clock is passed in, so that
 * replicas agree closely enough and tests can pin time; a clock behind the stored one never refills.
 * Returns {allowed (0/1), milliseconds until one token is back}.
 */
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local allowed = 0
local waitMs = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  waitMs = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, waitMs}
`;

export function createWebhookGuardStore(redis: Redis, prefix: string): WebhookGuardStore {
  const key = (...parts: string[]) => [prefix, 'webhook', ...parts].join(':');
  return {
    async claimSignature(signatureHex, ttlSeconds) {
      await ensureReady(redis);
      const set = await redis.set(key('sig', signatureHex), '1', 'EX', Math.max(1, ttlSeconds), 'NX');
      return set === 'OK';
    },
    async releaseSignature(signatureHex) {
      await ensureReady(redis);
      await redis.del(key('sig', signatureHex));
    },
    async take(sender, limit, nowMs) {
      await ensureReady(redis);
      const [allowed, waitMs] = (await redis.eval(
        TOKEN_BUCKET,
        1,
        key('rate', sender),
        String(limit.perSecond),
        String(limit.burst),
        String(Math.floor(nowMs)),
      )) as [number, number];
      if (allowed === 1) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
    async isUnknown(kind, id) {
      await ensureReady(redis);
      return (await redis.exists(key('unknown', kind, id))) === 1;
    },
    async rememberUnknown(kind, id, ttlSeconds) {
      await redis.set(key('unknown', kind, id), '1', 'EX', Math.max(1, ttlSeconds));
    },
  };
}

/** The default per-sender rate: ten times the average pace the daily HEAT budget allows. */
export function defaultWebhookRate(dailyCallBudget: number): number {
  return (dailyCallBudget / 86_400) * 10;
}
