import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HeatApiError, isPermanentHeatError } from '../../../src/heat/index.js';
import { BASE, makeTestClient, ODATA, PREFIX } from './test-heat-client.js';
import { coerceError } from '../../../src/domain/index.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const REC = `${ODATA}/incidents('A1')`;

/** nock 14 only emits real Error instances (a plain {code, message} object never reaches the request). */
function netError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('retries', () => {
  it.each([500, 502, 503, 408])(
    'retries %i with full-jitter exponential backoff, then succeeds',
    async (status) => {
      // random() = 0.5 -> half of min(maxDelayMs, base * 2^attempt): 50, 100, then success.
      const { client, delays, calls } = makeTestClient({
        retries: { max: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
      });
      nock(BASE)
        .get(REC)
        .times(2)
        .reply(status, { code: 'ISM_5000', message: ['Internal server error'] });
      nock(BASE).get(REC).reply(200, { RecId: 'A1' });
      await expect(client.getByRecId('incidents', 'A1')).resolves.toEqual({ RecId: 'A1' });
      expect(delays).toEqual([50, 100]);
      expect(calls.map((c) => c.status)).toEqual([status, status, 200]);
    },
  );

  it('retries a connection reset (status 0) and caps the delay at maxDelayMs', async () => {
    const { client, delays, calls } = makeTestClient(
      { retries: { max: 4, baseDelayMs: 300, maxDelayMs: 1_000 } },
      () => 0.999,
    );
    nock(BASE).get(REC).times(4).replyWithError(netError('ECONNRESET', 'socket hang up'));
    nock(BASE).get(REC).reply(200, { RecId: 'A1' });
    await client.getByRecId('incidents', 'A1');
    expect(delays).toEqual([299, 599, 999, 999]);
    expect(calls.map((c) => c.status)).toEqual([0, 0, 0, 0, 200]);
  });

  it('gives up after retries.max and throws the last error', async () => {
    const { client, delays, calls } = makeTestClient({
      retries: { max: 2, baseDelayMs: 100, maxDelayMs: 1_000 },
    });
    nock(BASE).get(REC).times(3).reply(503, '');
    const err = (await client.getByRecId('incidents', 'A1').catch((e: unknown) => e)) as HeatApiError;
    expect(err).toBeInstanceOf(HeatApiError);
    expect(err).toMatchObject({ status: 503, retryable: true });
    expect(delays).toHaveLength(2);
    expect(calls).toHaveLength(3);
  });

  it('turns a timeout into a retryable status-0 error', async () => {
    const { client, calls } = makeTestClient({
      timeoutMs: 40,
      retries: { max: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    nock(BASE).get(REC).times(2).delay(300).reply(200, { RecId: 'A1' });
    const err = (await client.getByRecId('incidents', 'A1').catch((e: unknown) => e)) as HeatApiError;
    expect(err).toMatchObject({ status: 0, retryable: true, networkCode: 'ETIMEDOUT' });
    expect(calls.map((c) => c.status)).toEqual([0, 0]);
  });

  it.each([400, 403, 404])('never retries %i', async (status) => {
    const { client, delays, calls } = makeTestClient();
    nock(BASE)
      .get(REC)
      .reply(status, { code: `ISM_${status === 400 ? 4000 : 4004}`, message: ['Invalid key'] });
    const err = await client.getByRecId('incidents', 'A1').catch((e: unknown) => e);
    expect(isPermanentHeatError(err)).toBe(true);
    expect(delays).toEqual([]);
    expect(calls).toHaveLength(1);
  });
});

describe('errors', () => {
  it('maps status, ISM code, description, messages, method and path', async () => {
    const { client } = makeTestClient();
    nock(BASE)
      .patch(REC)
      .query(true)
      .reply(400, {
        code: 'ISM_4000',
        description: 'Invalid Request Payload',
        message: ["'Mars' is not in the validation list of validated field Incident.OwnerTeam"],
        help: '',
      });
    const err = (await client
      .update('incidents', 'A1', { OwnerTeam: 'Mars' })
      .catch((e: unknown) => e)) as HeatApiError;
    expect(err).toBeInstanceOf(HeatApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'ISM_4000',
      description: 'Invalid Request Payload',
      messages: ["'Mars' is not in the validation list of validated field Incident.OwnerTeam"],
      method: 'PATCH',
      path: "/api/odata/businessobject/incidents('A1')",
      retryable: false,
      isValidationError: true,
      isNotFound: false,
    });
    expect(err.message).toBe(
      "HEAT PATCH /api/odata/businessobject/incidents('A1') failed: HTTP 400: ISM_4000 - Invalid Request Payload - 'Mars' is not in the validation list of validated field Incident.OwnerTeam. Fix: the request was refused; correct the field names or values named in the messages",
    );
  });

  it('recognises required-field and unknown-field 400s as validation errors, and 400 Invalid key as not found', async () => {
    const { client } = makeTestClient();
    nock(BASE)
      .post(`${ODATA}/incidents`)
      .reply(400, {
        code: 'ISM_4000',
        message: ['Incident((new)).NotEmpty: Required field Incident.Description value must be provided.'],
      });
    nock(BASE)
      .get(REC)
      .reply(400, { code: 'ISM_4000', description: 'Invalid Request Payload', message: ['Invalid key'] });
    const created = (await client.create('incidents', {}).catch((e: unknown) => e)) as HeatApiError;
    expect(created.isValidationError).toBe(true);
    const read = (await client.getByRecId('incidents', 'A1').catch((e: unknown) => e)) as HeatApiError;
    expect(read).toMatchObject({ isValidationError: false, isNotFound: true });
  });

  it('network errors have status 0 and a fix about reaching HEAT', async () => {
    const { client } = makeTestClient({ retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    nock(BASE).get(REC).replyWithError(netError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:443'));
    await expect(client.getByRecId('incidents', 'A1')).rejects.toMatchObject({
      status: 0,
      code: undefined,
      networkCode: 'ECONNREFUSED',
      message: expect.stringMatching(
        /no answer \(ECONNREFUSED\).*Fix: check that HEAT_BASE_URL is reachable/,
      ),
    });
  });

  it('strips leaked session ids, the API key and passwords from error text, JSON and logs', async () => {
    const apiKey = 'ZXCV0123456789KEYKEYKEY';
    const { client, logText } = makeTestClient({
      apiKey,
      retries: { max: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const leaked = 'district.saasit.example#4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D#2';
    // HEAT 500s are sometimes HTML-entity-encoded text that echoes SessionId (docs/heat-api.md §10).
    const body = `Unhandled system exception: {&quot;error&quot;:&quot;x&quot;,&quot;SessionId&quot;:&quot;${leaked}&quot;,&quot;Password&quot;:&quot;hunter2hunter2&quot;,&quot;key&quot;:&quot;${apiKey}&quot;}`;
    nock(BASE).get(REC).times(2).reply(500, body, { 'Content-Type': 'text/html' });
    const err = (await client.getByRecId('incidents', 'A1').catch((e: unknown) => e)) as HeatApiError;
    expect(err.status).toBe(500);
    const everything = [err.message, JSON.stringify(err), String(err.stack), ...err.messages, logText()].join(
      '\n',
    );
    expect(everything).toContain('Unhandled system exception');
    expect(everything).toContain('[redacted-session]');
    for (const secret of ['4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D', 'hunter2hunter2', apiKey]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('isPermanentHeatError and coerceError', () => {
    const e = (status: number) => new HeatApiError({ status, method: 'GET', path: '/x' });
    expect([400, 401, 403, 404].map((s) => isPermanentHeatError(e(s)))).toEqual([true, true, true, true]);
    expect([0, 408, 500, 503].map((s) => isPermanentHeatError(e(s)))).toEqual([false, false, false, false]);
    expect([0, 408, 500, 503].map((s) => e(s).retryable)).toEqual([true, true, true, true]);
    expect(isPermanentHeatError(new Error('x'))).toBe(false);
    const original = new TypeError('boom');
    expect(coerceError(original)).toBe(original);
    expect(coerceError('text').message).toBe('text');
    expect(coerceError({ a: 1 }).message).toBe('Non-error value thrown: {"a":1}');
    expect(coerceError(undefined)).toBeInstanceOf(Error);
  });
});

describe('concurrency cap', () => {
  it('never has more than maxConcurrency requests in flight', async () => {
    const { client } = makeTestClient({ maxConcurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    nock(BASE)
      .get(/incidents\('R\d+'\)/)
      .times(12)
      .reply((_uri, _body, cb) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          cb(null, [200, { RecId: 'R' }]);
        }, 15);
      });
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.getByRecId('incidents', `R${i}`)));
    expect(peak).toBe(3);
  });
});

describe('budget and call records', () => {
  it('counts every request (logins and retries included) per UTC day and logs 50%, 80% and 100% once each', async () => {
    const { client, logs, setNow } = makeTestClient({
      apiKey: undefined,
      session: { tenant: 't', username: 'u', password: 'secret-pw', role: 'Admin' },
      dailyCallBudget: 4,
    });
    nock(BASE)
      .post(`${PREFIX}/api/rest/authentication/login`)
      .reply(200, '"t#0123456789ABCDEF0123456789ABCDEF#2"');
    nock(BASE).get(REC).reply(502, '');
    nock(BASE).get(REC).times(4).reply(200, { RecId: 'A1' });
    await client.getByRecId('incidents', 'A1'); // login + 502 + 200
    expect(client.stats()).toEqual({ day: '2026-11-01', calls: 3, budget: 4, byMethod: { POST: 1, GET: 2 } });
    await client.getByRecId('incidents', 'A1'); // 4: the budget is used up; still served (live work goes on)
    await client.getByRecId('incidents', 'A1'); // 5: no second line
    const lines = logs.filter((l) => l.event === 'heat_budget');
    expect(lines.map((l) => [l.level, l.percent, l.calls])).toEqual([
      ['info', 50, 2],
      ['warn', 80, 4],
      ['warn', 100, 4],
    ]);
    expect(lines[2]).toMatchObject({ day: '2026-11-01', budget: 4, shared: false });
    expect(client.stats().calls).toBe(5);
    const state = await client.budgetState();
    expect(state).toMatchObject({ used: 5, budget: 4, level: 'paused', shared: false });
    expect(state.resetsAt).toBe('2026-11-02T00:00:00.000Z');
    expect(state.backfillDelayMs).toBe(12 * 3600_000);

    setNow('2026-11-02T00:00:01Z');
    expect(client.stats()).toEqual({ day: '2026-11-02', calls: 0, budget: 4, byMethod: {} });
    await client.getByRecId('incidents', 'A1');
    expect(client.stats().calls).toBe(1);
    expect((await client.budgetState()).level).toBe('normal');
  });

  it('a 429 waits for Retry-After (seconds or an HTTP date) and repeats; without one it waits 60 s', async () => {
    const { client, delays, logs } = makeTestClient();
    nock(BASE).get(REC).reply(429, '', { 'Retry-After': '7' });
    nock(BASE).get(REC).reply(429, '', { 'Retry-After': 'Sun, 01 Nov 2026 12:00:30 GMT' });
    nock(BASE).get(REC).reply(429, '');
    nock(BASE).get(REC).reply(200, { RecId: 'A1' });
    await expect(client.getByRecId('incidents', 'A1')).resolves.toEqual({ RecId: 'A1' });
    // The clock is pinned at 12:00:00: each wait is HEAT's own, not the jittered backoff.
    expect(delays).toEqual([7_000, 30_000, 60_000]);
    expect(logs.filter((l) => l.event === 'heat_throttled').map((l) => l.waitMs)).toEqual([
      7_000, 30_000, 60_000,
    ]);
    expect((await client.budgetState()).backoffUntil).toBe('2026-11-01T12:01:00.000Z');
  });

  it('a POST refused with 429 is repeated (HEAT did nothing); a 500 on a POST is not', async () => {
    const { client, delays } = makeTestClient();
    nock(BASE).post(`${ODATA}/journal__notess`).reply(429, '', { 'Retry-After': '2' });
    nock(BASE).post(`${ODATA}/journal__notess`).reply(201, { RecId: 'N1' });
    await expect(client.createNote({ parentRecId: 'A1', subject: 's', body: 'b' })).resolves.toMatchObject({
      RecId: 'N1',
    });
    expect(delays).toEqual([2_000]);
    nock(BASE).post(`${ODATA}/journal__notess`).reply(500, '');
    await expect(client.createNote({ parentRecId: 'A1', subject: 's', body: 'b' })).rejects.toMatchObject({
      status: 500,
    });
  });

  it('reports every call to onCall and at debug level (method, path, status, ms; never bodies)', async () => {
    const { client, calls, logs } = makeTestClient();
    nock(BASE)
      .post(`${ODATA}/journal__notess`)
      .reply(201, { RecId: 'N1', NotesBody: 'Student Jane Roe grade' });
    expect(client.lastSuccessAt()).toBeNull();
    await client.createNote({
      parentRecId: 'A1',
      subject: 'Student Jane Roe',
      body: 'Student Jane Roe grade',
    });
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/odata/businessobject/journal__notess',
      status: 201,
    });
    // Whole milliseconds of a call nock answers at once: within the client's 10 s timeout.
    expect(calls[0]!.ms % 1).toBe(0);
    expect(calls[0]!.ms).toBeGreaterThanOrEqual(0);
    expect(calls[0]!.ms).toBeLessThan(10_000);
    const debug = logs.filter((l) => l.message === 'heat call');
    expect(debug).toHaveLength(1);
    expect(debug[0]).toMatchObject({ level: 'debug', method: 'POST', status: 201 });
    expect(JSON.stringify(logs)).not.toContain('Jane Roe');
    expect(client.lastSuccessAt()?.toISOString()).toBe('2026-11-01T12:00:00.000Z');
  });

  it('refuses calls after close()', async () => {
    const { client } = makeTestClient();
    client.close();
    await expect(client.getByRecId('incidents', 'A1')).rejects.toThrow(/closed/);
  });
});
