import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, DEFAULT_INCIDENT_CUSTOM_FIELDS, type Simulator } from 'heat-simulator';

const NOW = new Date('2026-03-15T18:00:00Z');
const KEY = { Authorization: 'rest_api_key=sim-api-key' };
const BO = '/api/odata/businessobject';

const started: Simulator[] = [];
const servers: Server[] = [];

async function start(
  options: Parameters<typeof createSimulator>[0] = {},
): Promise<{ sim: Simulator; url: string }> {
  const sim = createSimulator({ seed: 5, tickets: 300, now: () => NOW, ...options });
  started.push(sim);
  return { sim, url: await sim.listen(0) };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

async function receiver(status = 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = status;
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('/_sim controls', () => {
  it('counts calls by method, route and status, and resets them', async () => {
    const { sim, url } = await start();
    const recId = String(sim.list('incidents')[0]!.RecId);
    await fetch(`${url}${BO}/incidents?$top=5`, { headers: KEY });
    await fetch(`${url}${BO}/incidents('${recId}')`, { headers: KEY });
    await fetch(`${url}${BO}/incidents('${recId}')`, {
      method: 'PATCH',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: '{"SBT_Scope":"in_scope"}',
    });
    await post(`${url}${BO}/journal__notess`, { Subject: 's', NotesBody: 'b', ParentLink_RecID: recId }, KEY);
    await fetch(`${url}${BO}/incidents`);
    const stats = (await (await fetch(`${url}/_sim/stats`)).json()) as ReturnType<Simulator['stats']>;
    expect(stats.total).toBe(5);
    expect(stats.byMethod).toEqual({ GET: 3, PATCH: 1, POST: 1 });
    expect(stats.byRoute).toEqual({
      'GET incidents collection': 2,
      'GET incidents key': 1,
      'PATCH incidents': 1,
      'POST journal__notess': 1,
    });
    expect(stats.byStatus).toEqual({ '200': 3, '201': 1, '401': 1 });
    expect(sim.stats().total).toBe(5);
    await fetch(`${url}/_sim/stats/reset`, { method: 'POST' });
    expect(sim.stats().total).toBe(0);
  });

  it('injects faults: errorRate 1 answers 500 ISM_5000, latency delays, GET /_sim/faults reports them', async () => {
    const { url } = await start();
    const set = await post(`${url}/_sim/faults`, { errorRate: 1 });
    expect(set.status).toBe(200);
    for (let i = 0; i < 3; i += 1) {
      const res = await fetch(`${url}${BO}/incidents`, { headers: KEY });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { code: string }).code).toBe('ISM_5000');
    }
    await post(`${url}/_sim/faults`, { errorRate: 0, latencyMs: 120, slowPageMs: 80 });
    expect(await (await fetch(`${url}/_sim/faults`)).json()).toEqual({
      latencyMs: 120,
      errorRate: 0,
      sessionTtlMs: 0,
      slowPageMs: 80,
      slowAfterCalls: 0,
      slowAfterCallsMs: 0,
    });
    let t = Date.now();
    expect((await fetch(`${url}${BO}/incidents?$top=1`, { headers: KEY })).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(195);
    t = Date.now();
    await fetch(`${url}${BO}/employees('nope')`, { headers: KEY });
    const keyMs = Date.now() - t;
    expect(keyMs).toBeGreaterThanOrEqual(115);
    expect((await post(`${url}/_sim/faults`, { errorRate: 2 })).status).toBe(400);
    expect((await post(`${url}/_sim/faults`, { latency: 5 })).status).toBe(400);
  });

  it('POSTs outbound rules on create and update, including our own writes and act-as-person', async () => {
    const { sim, url } = await start();
    const hook = await receiver();
    const rule = await post(`${url}/_sim/outbound-rules`, {
      url: hook.url,
      on: ['create', 'update'],
      headers: { 'X-Hook-Secret': 's3cret' },
      bodyTemplate: '{"RecId":"{{RecId}}","IncidentNumber":{{IncidentNumber}},"Subject":"{{Subject}}"}',
    });
    expect(rule.status).toBe(201);
    expect(((await (await fetch(`${url}/_sim/outbound-rules`)).json()) as unknown[]).length).toBe(1);
    const target = sim.list('incidents')[2]!;
    await fetch(`${url}${BO}/incidents('${String(target.RecId)}')`, {
      method: 'PATCH',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: '{"SBT_Scope":"in_scope"}',
    });
    const created = await post(`${url}/_sim/tickets`, {
      Subject: 'Quote " and \\ backslash',
      Symptom: 'x',
      expect: ['hardware'],
    });
    const createdBody = (await created.json()) as { RecId: string; IncidentNumber: number; Status: string };
    expect(created.status).toBe(201);
    expect(createdBody.Status).toBe('Logged');
    const person = await post(`${url}/_sim/act-as-person`, {
      recId: target.RecId,
      login: 'someone.else',
      fields: { OwnerTeam: 'Web Services', Owner: '' },
    });
    expect(person.status).toBe(200);
    expect(((await person.json()) as { LastModBy: string }).LastModBy).toBe('someone.else');
    await until(() => hook.received.length === 3);
    const bodies = hook.received.map(
      (r) => JSON.parse(r.body) as { RecId: string; IncidentNumber: number; Subject: string },
    );
    expect(bodies.map((b) => b.RecId).sort()).toEqual(
      [String(target.RecId), String(target.RecId), createdBody.RecId].sort(),
    );
    expect(bodies.find((b) => b.RecId === createdBody.RecId)).toEqual({
      RecId: createdBody.RecId,
      IncidentNumber: createdBody.IncidentNumber,
      Subject: 'Quote " and \\ backslash',
    });
    expect(
      hook.received.every(
        (r) => r.headers['x-hook-secret'] === 's3cret' && r.headers['content-type'] === 'application/json',
      ),
    ).toBe(true);
    await until(() => sim.stats().outbound.ok === 3);
    expect(sim.stats().outbound).toEqual({ sent: 3, ok: 3, failed: 0 });
    expect(sim.truth().find((t) => t.RecId === createdBody.RecId)?.expect).toEqual(['hardware']);

    await fetch(`${url}/_sim/outbound-rules`, { method: 'DELETE' });
    sim.actAsPerson(String(target.RecId), 'another.person', { SBT_Override: 'yes' });
    // A rule added afterwards sees the next save; by then a delivery of the earlier one would have been sent.
    const later = await receiver();
    await post(`${url}/_sim/outbound-rules`, { url: later.url, on: ['update'] });
    sim.actAsPerson(String(target.RecId), 'another.person', { SBT_Override: 'no' });
    await until(() => later.received.length === 1);
    expect(sim.stats().outbound.sent).toBe(4);
    expect(hook.received).toHaveLength(3);
  });

  it('counts failed outbound deliveries and only fires on the configured events', async () => {
    const { sim, url } = await start();
    const hook = await receiver(503);
    await post(`${url}/_sim/outbound-rules`, { url: hook.url, on: ['create'] });
    sim.actAsPerson(String(sim.list('incidents')[0]!.RecId), 'jdoe', { SBT_Scope: 'x' });
    sim.createTickets(2);
    await until(() => sim.stats().outbound.failed === 2);
    expect(hook.received.map((r) => Object.keys(JSON.parse(r.body) as object))).toEqual([
      ['RecId', 'IncidentNumber'],
      ['RecId', 'IncidentNumber'],
    ]);
    expect((await post(`${url}/_sim/outbound-rules`, { url: 'ftp://x' })).status).toBe(400);
  });

  it('creates tickets in bulk, serves the truth and reseeds on reset', async () => {
    const { sim, url } = await start();
    const bulk = await post(`${url}/_sim/tickets`, { count: 5 });
    expect(bulk.status).toBe(201);
    const { created } = (await bulk.json()) as { created: Array<{ RecId: string; IncidentNumber: number }> };
    expect(created.map((c) => c.IncidentNumber)).toEqual([10301, 10302, 10303, 10304, 10305]);
    const truth = (await (await fetch(`${url}/_sim/truth`)).json()) as Array<{
      RecId: string;
      expect: string[];
    }>;
    expect(truth).toHaveLength(305);
    expect(sim.list('incidents')).toHaveLength(305);
    const firstBefore = sim.list('incidents')[0];
    const reset = await post(`${url}/_sim/reset`, {});
    expect(await reset.json()).toEqual({ seed: 5, tickets: 300 });
    expect(sim.list('incidents')).toHaveLength(300);
    expect(sim.list('incidents')[0]).toEqual(firstBefore);
    expect((await post(`${url}/_sim/tickets`, { count: 0 })).status).toBe(400);
    expect(
      (await post(`${url}/_sim/act-as-person`, { recId: 'nope', login: 'x', fields: { SBT_Scope: 'y' } }))
        .status,
    ).toBe(400);
  });
});

describe('simulator options', () => {
  it('answers {"value": []} for an empty result with emptyResult \'empty-value\'', async () => {
    const { url } = await start({ emptyResult: 'empty-value' });
    const res = await fetch(`${url}${BO}/incidents?$filter=${encodeURIComponent("Subject eq 'zzz'")}`, {
      headers: KEY,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ '@odata.count': 0, value: [] });
  });

  it('models a tenant that lacks a custom field', async () => {
    const { sim, url } = await start({
      customFields: { incidents: DEFAULT_INCIDENT_CUSTOM_FIELDS.filter((f) => f !== 'SBT_DecisionHash') },
    });
    const recId = String(sim.list('incidents')[0]!.RecId);
    expect(sim.get('incidents', recId)).not.toHaveProperty('SBT_DecisionHash');
    const res = await fetch(`${url}${BO}/incidents('${recId}')`, {
      method: 'PATCH',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: '{"SBT_Scope":"in_scope","SBT_DecisionHash":"abc"}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string[] }).message[0]).toContain('SBT_DecisionHash');
    const filter = await fetch(
      `${url}${BO}/incidents?$filter=${encodeURIComponent("SBT_DecisionHash eq 'abc'")}`,
      { headers: KEY },
    );
    expect(filter.status).toBe(400);
  });

  it('stamps milliseconds, another tenant offset and the configured key account', async () => {
    let t = Date.parse('2026-03-15T18:00:00.123Z');
    const { sim, url } = await start({
      timestampPrecision: 'millisecond',
      tenantOffset: '+05:30',
      keyAccount: 'router-svc',
      apiKey: 'k2',
      now: () => new Date(t),
    });
    const recId = String(sim.list('incidents')[0]!.RecId);
    const patch = async (): Promise<{ LastModDateTime: string; LastModBy: string }> =>
      (await (
        await fetch(`${url}${BO}/incidents('${recId}')`, {
          method: 'PATCH',
          headers: { Authorization: 'rest_api_key=k2', 'content-type': 'application/json' },
          body: '{"SBT_Scope":"in_scope"}',
        })
      ).json()) as { LastModDateTime: string; LastModBy: string };
    const first = await patch();
    expect(first).toMatchObject({
      LastModDateTime: '2026-03-15T23:30:00.123+05:30',
      LastModBy: 'router-svc',
    });
    t += 1;
    expect((await patch()).LastModDateTime).toBe('2026-03-15T23:30:00.124+05:30');
  });

  it('keeps creating tickets at the configured rate while listening', async () => {
    const { sim } = await start({ rate: 3000 });
    await until(() => sim.list('incidents').length >= 303);
    const added = sim.list('incidents').slice(300);
    expect(added.map((r) => [r.Source, r.Status])).toEqual(added.map(() => ['Self Service', 'Logged']));
  });
});
