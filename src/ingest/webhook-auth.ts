import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Static header a HEAT business rule / quick action can send (HEAT rules set fixed headers, docs/heat-api.md §12). */
export const WEBHOOK_TOKEN_HEADER = 'x-sbt-token';
/** Unix seconds the caller signed at. */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-sbt-timestamp';
/** `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-sbt-signature';

export interface WebhookAuthConfig {
  token?: string;
  hmacSecret?: string;
  /** Signed requests older or newer than this are refused (replay window). */
  signatureWindowSeconds: number;
  now?: () => Date;
}

export type WebhookAuthResult =
  | {
      ok: true;
      method: 'token' | 'signature';
      /** Who is calling, for the rate limit: the credential's kind and a short digest (never the secret). */
      senderId: string;
      /** Signed requests: the signature (lower-case hex) and until when (unix seconds) it is accepted. */
      signature?: { hex: string; validUntilSeconds: number };
    }
  | {
      ok: false;
      reason: 'missing credentials' | 'invalid token' | 'invalid signature' | 'timestamp outside window';
    };

export type WebhookHeaders = Record<string, string | string[] | undefined>;

/**
 * Checks a webhook's credentials on the RAW body, before anything parses it. When both a token and a
 * secret are configured either valid credential is enough (a HEAT rule can only send a fixed token;
 * a script that can sign uses the signature). Throws at creation when neither is configured: an
 * unauthenticated webhook is never served.
 */
export function createWebhookAuthenticator(
  config: WebhookAuthConfig,
): (headers: WebhookHeaders, rawBody: Buffer) => WebhookAuthResult {
  const token = config.token === '' ? undefined : config.token;
  const secret = config.hmacSecret === '' ? undefined : config.hmacSecret;
  if (token === undefined && secret === undefined) {
    throw new Error(
      'The HEAT webhook needs a credential: set WEBHOOK_TOKEN (shared token sent as X-SBT-Token) and/or ' +
        'WEBHOOK_HMAC_SECRET (HMAC-SHA256 signature); an unauthenticated webhook is never served.',
    );
  }
  const now = config.now ?? (() => new Date());
  const tokenDigest = token === undefined ? undefined : sha256(token);
  const tokenSender = tokenDigest === undefined ? '' : `token:${tokenDigest.toString('hex').slice(0, 8)}`;
  const hmacSender = secret === undefined ? '' : `hmac:${sha256(secret).toString('hex').slice(0, 8)}`;

  return function authenticate(headers, rawBody) {
    const sentToken = singleHeader(headers, WEBHOOK_TOKEN_HEADER);
    const sentSignature = singleHeader(headers, WEBHOOK_SIGNATURE_HEADER);
    const sentTimestamp = singleHeader(headers, WEBHOOK_TIMESTAMP_HEADER);

    let failure: WebhookAuthResult | undefined;
    if (tokenDigest !== undefined && sentToken !== undefined) {
      // Hash both sides first so that the comparison takes the same time whatever the lengths.
      if (timingSafeEqual(sha256(sentToken), tokenDigest))
        return { ok: true, method: 'token', senderId: tokenSender };
      failure = { ok: false, reason: 'invalid token' };
    }
    if (secret !== undefined && (sentSignature !== undefined || sentTimestamp !== undefined)) {
      const result = checkSignature(
        secret,
        sentTimestamp,
        sentSignature,
        rawBody,
        now(),
        config.signatureWindowSeconds,
      );
      if (result.ok) return { ...result, senderId: hmacSender };
      failure = result;
    }
    return failure ?? { ok: false, reason: 'missing credentials' };
  };
}

/** The signature a caller sends: `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`). */
export function signWebhookBody(
  secret: string,
  timestampSeconds: number | string,
  rawBody: Buffer | string,
): string {
  return `sha256=${hmac(secret, String(timestampSeconds), typeof rawBody === 'string' ? Buffer.from(rawBody) : rawBody).toString('hex')}`;
}

function checkSignature(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: Buffer,
  now: Date,
  windowSeconds: number,
): WebhookAuthResult {
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing credentials' };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!match?.[1] || !/^\d{1,12}$/.test(timestamp.trim())) return { ok: false, reason: 'invalid signature' };
  const expected = hmac(secret, timestamp.trim(), rawBody);
  if (!timingSafeEqual(Buffer.from(match[1], 'hex'), expected))
    return { ok: false, reason: 'invalid signature' };
  // Checked after the HMAC so that the timestamp itself is authenticated; both directions allow clock skew.
  const skewSeconds = Math.abs(now.getTime() / 1000 - Number(timestamp.trim()));
  if (skewSeconds > windowSeconds) return { ok: false, reason: 'timestamp outside window' };
  return {
    ok: true,
    method: 'signature',
    senderId: '',
    signature: {
      hex: match[1].toLowerCase(),
      validUntilSeconds: Number(timestamp.trim()) + windowSeconds,
    },
  };
}

function hmac(secret: string, timestamp: string, rawBody: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** A repeated header is refused rather than guessed at. */
function singleHeader(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
