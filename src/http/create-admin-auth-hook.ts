import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type AdminAuthHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;

/**
 * Guards admin endpoints (the queue dashboard) with ADMIN_TOKEN. Accepts `Authorization: Bearer <token>`
 * for scripts, and HTTP Basic with the token as password (any user name), because a browser prompts
 * for Basic credentials on its own when it sees `WWW-Authenticate: Basic` and cannot send a Bearer header.
 */
export function createAdminAuthHook(
  tokens: string | undefined | readonly string[],
  tokenName = 'ADMIN_TOKEN',
): AdminAuthHook {
  const accepted = (typeof tokens === 'string' || tokens === undefined ? [tokens] : tokens).filter(
    (t): t is string => t !== undefined && t !== '',
  );
  if (accepted.length === 0) {
    throw new Error(
      'Admin endpoints need ADMIN_TOKEN (at least 16 characters); they are never served without it.',
    );
  }
  const expected = accepted.map(sha256);

  return async function adminAuth(request, reply) {
    const sent = presentedToken(request.headers.authorization);
    // Compare digests so that the time taken does not depend on how much of the token matched; every
    // accepted token is compared, so the time does not say which one matched either.
    if (sent !== undefined) {
      const digest = sha256(sent);
      const matches = expected.map((e) => timingSafeEqual(digest, e));
      if (matches.includes(true)) return undefined;
    }
    // Fastify: an async hook that answers early sends and returns the reply.
    return reply
      .code(401)
      .header('www-authenticate', 'Basic realm="sbt-router admin", charset="UTF-8"')
      .type('application/json')
      .send({
        error: 'unauthorized',
        message: `send Authorization: Bearer <${tokenName}> (or Basic with it as password)`,
      });
  };
}

function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer?.[1]) return bearer[1].trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
