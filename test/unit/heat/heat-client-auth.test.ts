import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HeatApiError } from '../../../src/heat/index.js';
import { BASE, makeTestClient, ODATA, PREFIX } from './test-heat-client.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const LOGIN = `${PREFIX}/api/rest/authentication/login`;
const SESSION = {
  tenant: 'district.saasit.example',
  username: 'svc-sbt',
  password: 'Pa55-word-never-logged',
  role: 'Admin',
};
const sid = (n: number) => `district.saasit.example#${String(n).repeat(32).slice(0, 32)}#2`;

function sessionClient() {
  return makeTestClient({ apiKey: undefined, session: SESSION });
}

describe('API key auth', () => {
  it('sends Authorization: rest_api_key=KEY exactly (no space, no scheme)', async () => {
    const { client } = makeTestClient({ apiKey: 'ABCDEF0123456789' });
    let header: unknown;
    nock(BASE)
      .get(`${ODATA}/incidents('X')`)
      .reply(function () {
        header = this.req.headers['authorization'];
        return [200, { RecId: 'X' }];
      });
    await client.getByRecId('incidents', 'X');
    expect(header).toBe('rest_api_key=ABCDEF0123456789');
  });

  it('throws at once on 401 (keys do not expire): no login, no retry', async () => {
    const { client, calls, delays } = makeTestClient({ apiKey: 'ABCDEF0123456789' });
    nock(BASE).get(`${ODATA}/incidents('X')`).reply(401, {
      code: 'ISM_4001',
      description: 'Invalid Session key or Authentication token or Host',
      message: [],
    });
    const err = await client.getByRecId('incidents', 'X').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeatApiError);
    expect(err).toMatchObject({ status: 401, code: 'ISM_4001', retryable: false });
    expect((err as Error).message).toMatch(/Fix: check HEAT_API_KEY/);
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('remembers a 401 for readiness until the next success', async () => {
    const { client } = makeTestClient({ apiKey: 'ABCDEF0123456789' });
    expect(client.authRefusedSince()).toBeNull();
    nock(BASE).get(`${ODATA}/incidents('X')`).reply(401, { code: 'ISM_4001', message: [] });
    await client.getByRecId('incidents', 'X').catch(() => undefined);
    expect(client.authRefusedSince()).toEqual({ at: new Date('2026-11-01T12:00:00Z'), status: 401 });
    nock(BASE).get(`${ODATA}/incidents('X')`).reply(200, { RecId: 'X' });
    await client.getByRecId('incidents', 'X');
    expect(client.authRefusedSince()).toBeNull();
  });
});

describe('session auth', () => {
  it('logs in with {tenant, username, password, role} and sends the bare session id', async () => {
    const { client, calls } = sessionClient();
    let loginBody: unknown;
    const headers: unknown[] = [];
    nock(BASE)
      .post(LOGIN, (body) => {
        loginBody = body;
        return true;
      })
      .reply(200, JSON.stringify(sid(1)), { 'Content-Type': 'application/json' });
    nock(BASE)
      .get(`${ODATA}/incidents('X')`)
      .times(2)
      .reply(function () {
        headers.push(this.req.headers['authorization']);
        return [200, { RecId: 'X' }];
      });
    await client.getByRecId('incidents', 'X');
    await client.getByRecId('incidents', 'X');
    expect(loginBody).toEqual(SESSION);
    expect(headers).toEqual([sid(1), sid(1)]);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/rest/authentication/login',
      "GET /api/odata/businessobject/incidents('X')",
      "GET /api/odata/businessobject/incidents('X')",
    ]);
  });

  it('logs in again once on 401 and repeats the request with the new session', async () => {
    const { client } = sessionClient();
    let logins = 0;
    nock(BASE)
      .post(LOGIN)
      .times(2)
      .reply(() => [200, JSON.stringify(sid(++logins))]);
    const headers: unknown[] = [];
    nock(BASE)
      .get(`${ODATA}/incidents('X')`)
      .times(2)
      .reply(function () {
        const h = this.req.headers['authorization'];
        headers.push(h);
        return h === sid(1)
          ? [401, { code: 'ISM_4001', message: ['Authentication required'] }]
          : [200, { RecId: 'X' }];
      });
    await expect(client.getByRecId('incidents', 'X')).resolves.toMatchObject({ RecId: 'X' });
    expect(logins).toBe(2);
    expect(headers).toEqual([sid(1), sid(2)]);
  });

  it('throws on a second 401 after the re-login', async () => {
    const { client, calls } = sessionClient();
    let logins = 0;
    nock(BASE)
      .post(LOGIN)
      .times(3)
      .reply(() => [200, JSON.stringify(sid(++logins))]);
    nock(BASE)
      .get(`${ODATA}/incidents('X')`)
      .times(3)
      .reply(401, { code: 'ISM_4001', message: ['Authentication required'] });
    await expect(client.getByRecId('incidents', 'X')).rejects.toMatchObject({
      status: 401,
      code: 'ISM_4001',
    });
    expect(logins).toBe(2);
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(2);
  });

  it('shares one re-login between concurrent requests that hit 401', async () => {
    const { client } = sessionClient();
    let logins = 0;
    let valid = '';
    nock(BASE)
      .post(LOGIN)
      .times(10)
      .delay(30)
      .reply(() => {
        valid = sid(++logins);
        return [200, JSON.stringify(valid)];
      });
    let unauthorized = 0;
    nock(BASE)
      .get(/incidents\('R\d'\)/)
      .times(20)
      .delay(10)
      .reply(function (uri) {
        if (this.req.headers['authorization'] === valid) return [200, { RecId: /'(R\d)'/.exec(uri)![1] }];
        unauthorized += 1;
        return [401, { code: 'ISM_4001', message: ['Invalid session key or session timed out'] }];
      });
    await client.getByRecId('incidents', 'R0');
    expect(logins).toBe(1);
    valid = 'expired'; // HEAT times the session out
    const results = await Promise.all(
      ['R1', 'R2', 'R3', 'R4'].map((id) => client.getByRecId('incidents', id)),
    );
    expect(results.map((r) => r['RecId'])).toEqual(['R1', 'R2', 'R3', 'R4']);
    expect(unauthorized).toBe(4);
    expect(logins).toBe(2); // four 401s, one shared re-login
  });

  it('shares the first login between concurrent first requests', async () => {
    const { client } = sessionClient();
    let logins = 0;
    nock(BASE)
      .post(LOGIN)
      .times(5)
      .delay(20)
      .reply(() => [200, JSON.stringify(sid(++logins))]);
    nock(BASE)
      .get(/incidents\('R\d'\)/)
      .times(3)
      .reply(200, { RecId: 'R' });
    await Promise.all(['R1', 'R2', 'R3'].map((id) => client.getByRecId('incidents', id)));
    expect(logins).toBe(1);
  });

  it('a refused login is a 400 naming the settings to check, without the password', async () => {
    const { client, logText } = sessionClient();
    nock(BASE)
      .post(LOGIN)
      .reply(400, {
        code: 'ISM_4000',
        description: 'Bad Request',
        message: [
          `Unhandled system exception: Tenant Not Found or wrong Password or OpenID not Configured Properly. password=${SESSION.password}`,
        ],
      });
    const err = (await client.getByRecId('incidents', 'X').catch((e: unknown) => e)) as HeatApiError;
    expect(err).toMatchObject({
      status: 400,
      code: 'ISM_4000',
      path: '/api/rest/authentication/login',
      method: 'POST',
    });
    expect(err.message).toMatch(
      /Tenant Not Found.*Fix: check HEAT_TENANT, HEAT_USERNAME, HEAT_PASSWORD and HEAT_ROLE/,
    );
    expect(JSON.stringify(err)).not.toContain(SESSION.password);
    expect(err.message).not.toContain(SESSION.password);
    expect(logText()).not.toContain(SESSION.password);
  });
});
