import { describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServerConfig } from '../../src/http/index.js';
import { createWebhookRoute, signWebhookBody } from '../../src/ingest/index.js';
import type { EnqueueTicketInput } from '../../src/ingest/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { createMetrics, createSilentLogger, type Metrics } from '../../src/observability/index.js';

const TOKEN = 'token-for-tests-0123456789';
const SECRET = 'secret-for-tests-0123456789';
const REC_ID = '0A8C2F1B3D4E5F60718293A4B5C6D7E8';
const NOW = new Date('2026-11-02T10:00:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

interface Harness {
  app: ReturnType<typeof createHttpServer>['app'];
  enqueued: EnqueueTicketInput[];
  resolved: number[];
  metrics: Metrics;
  logText(): string;
}

function harness(
  options: {
    config?: Partial<HttpServerConfig>;
    enqueue?: (input: EnqueueTicketInput) => Promise<{ jobId: string; deduplicated: boolean }>;
    resolve?: (n: number) => Promise<string | null>;
    recordFields?: readonly string[];
  } = {},
): Harness {
  const enqueued: EnqueueTicketInput[] = [];
  const resolved: number[] = [];
  const logs = captureLogs();
  const metrics = createMetrics();
  const server = createHttpServer({
    logger: logs.logger,
    metrics,
    config: { bodyLimitBytes: 65_536, signatureWindowSeconds: 300, webhookToken: TOKEN, ...options.config },
    enqueueTicket: async (input) => {
      if (options.enqueue) return options.enqueue(input);
      enqueued.push(input);
      return { jobId: `job-${input.recId}`, deduplicated: false };
    },
    resolveIncidentNumber: async (n) => {
      resolved.push(n);
      return options.resolve ? options.resolve(n) : null;
    },
    readiness: async () => ({ ready: true, checkedAt: NOW.toISOString(), checks: {} as never }),
    ...(options.recordFields ? { recordFields: () => options.recordFields! } : {}),
    now: () => NOW,
  });
  return { app: server.app, enqueued, resolved, metrics, logText: logs.text };
}

function post(h: Harness, payload: string | Buffer, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/webhooks/heat',
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
}

async function outcomeCount(metrics: Metrics, outcome: string): Promise<number> {
  const metric = await metrics.webhookRequests.get();
  return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

const body = JSON.stringify({ RecId: REC_ID });

describe('POST /webhooks/heat with a shared token', () => {
  it('queues one job for a valid token and answers 202 with the job id', async () => {
    const h = harness();
    const res = await post(h, body, { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'queued', jobId: `job-${REC_ID}`, deduplicated: false });
    expect(h.enqueued).toEqual([{ recId: REC_ID, source: 'webhook' }]);
    expect(await outcomeCount(h.metrics, 'accepted')).toBe(1);
  });

  it('normalises a lower-case RecId to HEAT spelling so that it deduplicates with the poll', async () => {
    const h = harness();
    const res = await post(h, JSON.stringify({ RecId: REC_ID.toLowerCase() }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(202);
    expect(h.enqueued[0]?.recId).toBe(REC_ID);
  });

  it('reports a job the queue collapsed into an existing one as deduplicated', async () => {
    const h = harness({ enqueue: async () => ({ jobId: 'existing-job', deduplicated: true }) });
    const res = await post(h, body, { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ jobId: 'existing-job', deduplicated: true });
    expect(await outcomeCount(h.metrics, 'deduplicated')).toBe(1);
    expect(await outcomeCount(h.metrics, 'accepted')).toBe(0);
  });

  it('refuses a wrong token with 401, queues nothing and never logs the token sent', async () => {
    const h = harness();
    const res = await post(h, body, { 'x-sbt-token': 'wrong-token-abcdefghijklmnop' });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/invalid token.*X-SBT-Token/);
    expect(h.enqueued).toHaveLength(0);
    expect(await outcomeCount(h.metrics, 'unauthorized')).toBe(1);
    expect(h.logText()).toContain('bad credentials');
    expect(h.logText()).not.toContain('wrong-token-abcdefghijklmnop');
    expect(h.logText()).not.toContain(TOKEN);
  });

  it('refuses a request with no credentials at all', async () => {
    const h = harness();
    const res = await post(h, body);
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/missing credentials/);
    expect(h.enqueued).toHaveLength(0);
  });

  it('refuses a token of another length (compared as digests, no length shortcut)', async () => {
    const h = harness();
    expect((await post(h, body, { 'x-sbt-token': TOKEN.slice(0, -1) })).statusCode).toBe(401);
    expect((await post(h, body, { 'x-sbt-token': `${TOKEN}x` })).statusCode).toBe(401);
    expect(h.enqueued).toHaveLength(0);
  });
});

describe('POST /webhooks/heat with an HMAC signature', () => {
  const signedHeaders = (payload: string, timestamp = NOW_SECONDS, secret = SECRET) => ({
    'x-sbt-timestamp': String(timestamp),
    'x-sbt-signature': signWebhookBody(secret, timestamp, payload),
  });

  it('accepts a valid signature over the raw body', async () => {
    const h = harness({ config: { webhookToken: undefined, hmacSecret: SECRET } });
    // Whitespace matters: the signature is over the exact bytes, not a re-serialised object.
    const payload = `{ "RecId" : "${REC_ID}" }`;
    const res = await post(h, payload, signedHeaders(payload));
    expect(res.statusCode).toBe(202);
    expect(h.enqueued).toEqual([{ recId: REC_ID, source: 'webhook' }]);
  });

  it('refuses a signature made with another secret', async () => {
    const h = harness({ config: { webhookToken: undefined, hmacSecret: SECRET } });
    const res = await post(h, body, signedHeaders(body, NOW_SECONDS, 'another-secret-0123456789'));
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/invalid signature/);
    expect(h.enqueued).toHaveLength(0);
  });

  it('refuses a body changed after signing', async () => {
    const h = harness({ config: { webhookToken: undefined, hmacSecret: SECRET } });
    const tampered = JSON.stringify({ RecId: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' });
    const res = await post(h, tampered, signedHeaders(body));
    expect(res.statusCode).toBe(401);
    expect(h.enqueued).toHaveLength(0);
  });

  it('refuses a correctly signed request whose timestamp is 6 minutes old or 6 minutes ahead', async () => {
    const h = harness({ config: { webhookToken: undefined, hmacSecret: SECRET } });
    for (const timestamp of [NOW_SECONDS - 360, NOW_SECONDS + 360]) {
      const res = await post(h, body, signedHeaders(body, timestamp));
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toMatch(/timestamp outside window/);
    }
    expect(h.enqueued).toHaveLength(0);
    expect(await outcomeCount(h.metrics, 'unauthorized')).toBe(2);
  });

  it('accepts a timestamp 4 minutes old (inside the 5-minute window)', async () => {
    const h = harness({ config: { webhookToken: undefined, hmacSecret: SECRET } });
    const res = await post(h, body, signedHeaders(body, NOW_SECONDS - 240));
    expect(res.statusCode).toBe(202);
  });

  it('refuses a signature whose timestamp header was changed (the timestamp is signed too)', async () => {
    const h = harness({ config: { webhookToken: undefined, hmacSecret: SECRET } });
    const headers = signedHeaders(body, NOW_SECONDS - 600);
    const res = await post(h, body, { ...headers, 'x-sbt-timestamp': String(NOW_SECONDS) });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/invalid signature/);
  });

  it('accepts either credential when both a token and a secret are configured', async () => {
    const h = harness({ config: { webhookToken: TOKEN, hmacSecret: SECRET } });
    expect((await post(h, body, { 'x-sbt-token': TOKEN })).statusCode).toBe(202);
    expect((await post(h, body, signedHeaders(body))).statusCode).toBe(202);
    // A wrong token next to a valid signature: the signature is a valid credential on its own.
    expect(
      (await post(h, body, { 'x-sbt-token': 'nope-nope-nope-nope', ...signedHeaders(body) })).statusCode,
    ).toBe(202);
    expect((await post(h, body, { 'x-sbt-token': 'nope-nope-nope-nope' })).statusCode).toBe(401);
    expect(h.enqueued).toHaveLength(3);
  });

  it('ignores signature headers when only a token is configured', async () => {
    const h = harness({ config: { webhookToken: TOKEN } });
    const res = await post(h, body, signedHeaders(body));
    expect(res.statusCode).toBe(401);
    expect(res.json().message).not.toMatch(/Signature/);
  });
});

describe('POST /webhooks/heat: malformed requests have no side effect', () => {
  it('answers 413 for a 70 KB body, before checking credentials', async () => {
    const h = harness();
    const big = JSON.stringify({ RecId: REC_ID, Symptom: 'x'.repeat(70 * 1024) });
    const withToken = await post(h, big, { 'x-sbt-token': TOKEN });
    expect(withToken.statusCode).toBe(413);
    expect(withToken.json().message).toMatch(/65536 bytes/);
    const withoutToken = await post(h, big);
    expect(withoutToken.statusCode).toBe(413);
    expect(h.enqueued).toHaveLength(0);
    expect(await outcomeCount(h.metrics, 'too_large')).toBe(2);
    expect(await outcomeCount(h.metrics, 'unauthorized')).toBe(0);
  });

  it('answers 415 for text/plain and for a missing content type, before checking credentials', async () => {
    const h = harness();
    const plain = await post(h, body, { 'content-type': 'text/plain', 'x-sbt-token': TOKEN });
    expect(plain.statusCode).toBe(415);
    expect(plain.json().message).toMatch(/application\/json/);
    const noTypeNoBody = await h.app.inject({ method: 'POST', url: '/webhooks/heat' });
    expect(noTypeNoBody.statusCode).toBe(415);
    const unauthenticated = await post(h, body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unauthenticated.statusCode).toBe(415);
    expect(h.enqueued).toHaveLength(0);
    expect(await outcomeCount(h.metrics, 'unsupported_media_type')).toBe(3);
  });

  it('accepts application/json with a charset parameter', async () => {
    const h = harness();
    const res = await post(h, body, {
      'content-type': 'application/json; charset=utf-8',
      'x-sbt-token': TOKEN,
    });
    expect(res.statusCode).toBe(202);
  });

  it('answers 400 for malformed JSON when authenticated, 401 when not (credentials first)', async () => {
    const h = harness();
    const res = await post(h, '{"RecId": ', { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/not valid JSON/);
    expect((await post(h, '{"RecId": ')).statusCode).toBe(401);
    expect(h.enqueued).toHaveLength(0);
  });

  it('answers 400 naming RecId and IncidentNumber when neither is in the body', async () => {
    const h = harness();
    const res = await post(h, JSON.stringify({ Subject: 'printer jammed' }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/RecId/);
    expect(res.json().message).toMatch(/IncidentNumber/);
    expect(h.enqueued).toHaveLength(0);
    expect(await outcomeCount(h.metrics, 'bad_request')).toBe(1);
  });

  it('answers 400 for a RecId that is not 32 hex characters, and for a JSON array', async () => {
    const h = harness();
    expect((await post(h, JSON.stringify({ RecId: '$(RecId)' }), { 'x-sbt-token': TOKEN })).statusCode).toBe(
      400,
    );
    expect((await post(h, JSON.stringify([{ RecId: REC_ID }]), { 'x-sbt-token': TOKEN })).statusCode).toBe(
      400,
    );
    expect(h.enqueued).toHaveLength(0);
  });
});

describe('POST /webhooks/heat: what gets queued', () => {
  it('resolves an IncidentNumber through HEAT and queues its RecId', async () => {
    const h = harness({ resolve: async (n) => (n === 10435 ? REC_ID : null) });
    const res = await post(h, JSON.stringify({ IncidentNumber: 10435 }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(202);
    expect(h.resolved).toEqual([10435]);
    expect(h.enqueued).toEqual([{ recId: REC_ID, source: 'webhook' }]);
  });

  it('accepts an IncidentNumber sent as a string (a quoted template placeholder)', async () => {
    const h = harness({ resolve: async () => REC_ID });
    const res = await post(h, JSON.stringify({ IncidentNumber: '10435' }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(202);
    expect(h.resolved).toEqual([10435]);
  });

  it('answers 404 for an IncidentNumber HEAT does not know, queueing nothing', async () => {
    const h = harness({ resolve: async () => null });
    const res = await post(h, JSON.stringify({ IncidentNumber: 99999 }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'unknown_incident' });
    expect(h.enqueued).toHaveLength(0);
    expect(await outcomeCount(h.metrics, 'unknown_incident')).toBe(1);
  });

  it('answers 503 with Retry-After when HEAT cannot be asked about an IncidentNumber', async () => {
    const h = harness({
      resolve: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    const res = await post(h, JSON.stringify({ IncidentNumber: 10435 }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(h.enqueued).toHaveLength(0);
  });

  it("prefers RecId over IncidentNumber and does not call HEAT for a RecId (an unknown one is the worker's to drop)", async () => {
    const h = harness();
    const res = await post(h, JSON.stringify({ RecId: REC_ID, IncidentNumber: 10435 }), {
      'x-sbt-token': TOKEN,
    });
    expect(res.statusCode).toBe(202);
    expect(h.resolved).toEqual([]);
    expect(h.enqueued).toEqual([{ recId: REC_ID, source: 'webhook' }]);
  });

  it('takes only RecId and LastModDateTime from a whole record: no ticket text in the job or the logs', async () => {
    const h = harness();
    const record = {
      '@odata.context': 'https://tenant.example/api/odata/$metadata#incidents/$entity',
      RecId: REC_ID,
      IncidentNumber: 10435,
      LastModDateTime: '2026-11-02T09:59:58Z',
      Subject: 'Grades for Jamie Student are wrong',
      Symptom: '<p>Please change Jamie Student grade to B</p>',
      ProfileLink_RecID: '6EFAB27E9F164ECF96364EF18D233D26',
    };
    const res = await post(h, JSON.stringify(record), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(202);
    expect(h.enqueued).toEqual([
      { recId: REC_ID, source: 'webhook', lastModDateTime: '2026-11-02T09:59:58Z' },
    ]);
    expect(h.logText()).toContain(REC_ID);
    expect(h.logText()).not.toContain('Jamie');
  });

  it('answers 503 with Retry-After when the queue throws (Redis unreachable), counting it', async () => {
    const h = harness({
      enqueue: async () => {
        throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      },
    });
    const res = await post(h, body, { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.json()).toMatchObject({ error: 'unavailable' });
    expect(await outcomeCount(h.metrics, 'unavailable')).toBe(1);
  });
});

describe('POST /webhooks/heat: a hanging dependency', () => {
  it('answers 503 when enqueue does not settle within upstreamTimeoutMs (BullMQ waits for a dead Redis)', async () => {
    const h = harness({ config: { upstreamTimeoutMs: 50 }, enqueue: () => new Promise(() => {}) });
    const res = await post(h, body, { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(503);
    expect(await outcomeCount(h.metrics, 'unavailable')).toBe(1);
    expect(h.logText()).toMatch(/enqueue took over 50 ms/);
  });

  it('answers 503 when the HEAT lookup of an IncidentNumber does not settle in time', async () => {
    const h = harness({ config: { upstreamTimeoutMs: 50 }, resolve: () => new Promise(() => {}) });
    const res = await post(h, JSON.stringify({ IncidentNumber: 5 }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(503);
    expect(h.enqueued).toHaveLength(0);
  });
});

describe('an unauthenticated webhook is never served', () => {
  it('createWebhookRoute throws at creation without a token or secret, naming both variables', () => {
    const build = () =>
      createWebhookRoute({
        logger: createSilentLogger(),
        metrics: createMetrics(),
        bodyLimitBytes: 65_536,
        signatureWindowSeconds: 300,
        enqueueTicket: async () => ({ jobId: 'x', deduplicated: false }),
        resolveIncidentNumber: async () => null,
      });
    expect(build).toThrow(/WEBHOOK_TOKEN.*WEBHOOK_HMAC_SECRET/);
  });

  it('the server leaves the route out (404) but keeps /healthz when neither is configured', async () => {
    const h = harness({ config: { webhookToken: undefined, hmacSecret: undefined } });
    expect((await post(h, body, { 'x-sbt-token': TOKEN })).statusCode).toBe(404);
    expect(h.enqueued).toHaveLength(0);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(h.logText()).toMatch(/webhook \/webhooks\/heat disabled/);
  });
});

describe('POST /webhooks/heat with a body that carries the whole ticket', () => {
  const recordFields = ['RecId', 'LastModDateTime', 'Subject', 'OwnerTeam'];
  const whole = {
    RecId: REC_ID,
    LastModDateTime: '2026-11-02T03:59:58-06:00',
    Subject: 'Student Jane Roe cannot log in',
    OwnerTeam: 'Service Desk',
  };

  it('queues the needed fields with the save time as seenAt, and logs none of them', async () => {
    const h = harness({ recordFields });
    const res = await post(h, JSON.stringify({ ...whole, Extra: 'dropped' }), { 'x-sbt-token': TOKEN });
    expect(res.statusCode).toBe(202);
    expect(h.enqueued).toEqual([
      {
        recId: REC_ID,
        source: 'webhook',
        lastModDateTime: whole.LastModDateTime,
        record: whole,
        seenAt: '2026-11-02T09:59:58.000Z',
      },
    ]);
    expect(h.logText()).not.toContain('Jane Roe');
  });

  it('a save time ahead of our clock counts as now; a body missing a field is queued as ids only', async () => {
    const h = harness({ recordFields });
    await post(h, JSON.stringify({ ...whole, LastModDateTime: '2026-11-02T10:05:00Z' }), {
      'x-sbt-token': TOKEN,
    });
    expect(h.enqueued[0]!.seenAt).toBe(NOW.toISOString());
    const { Subject: _s, ...partial } = whole;
    await post(h, JSON.stringify(partial), { 'x-sbt-token': TOKEN });
    expect(h.enqueued[1]).toEqual({
      recId: REC_ID,
      source: 'webhook',
      lastModDateTime: whole.LastModDateTime,
    });
  });
});
