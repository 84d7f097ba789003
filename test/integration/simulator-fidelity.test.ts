import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from 'heat-simulator';

const NOW = new Date('2026-03-15T18:00:00Z');
const KEY = { Authorization: 'rest_api_key=sim-api-key' };
const BO = '/api/odata/businessobject';

const started: Simulator[] = [];
const servers: Server[] = [];

interface Started {
  sim: Simulator;
  url: string;
  /** Moves the simulator's clock forward. */
  advance(ms: number): void;
}

async function start(options: SimulatorOptions = {}): Promise<Started> {
  let clock = NOW.getTime();
  const sim = createSimulator({ seed: 5, tickets: 300, now: () => new Date(clock), ...options });
  started.push(sim);
  const url = await sim.listen(0);
  return {
    sim,
    url,
    advance: (ms) => {
      clock += ms;
    },
  };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

interface Answer {
  status: number;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = KEY,
): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed };
}

async function receiver(): Promise<{ url: string; received: Array<Record<string, unknown>> }> {
  const received: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const withoutStamps = (r: Record<string, unknown>): Record<string, unknown> => {
  const { LastModBy: _by, LastModDateTime: _at, ...rest } = r;
  return rest;
};

describe('workflow restamp (docs/heat-api.md §6, §11)', () => {
  it('restamps LastModBy/LastModDateTime after an API PATCH and PUT, changes nothing else, fires outbound rules', async () => {
    const { sim, url, advance } = await start({ workflowRestamp: { delayMs: 40 } });
    const hook = await receiver();
    await call(url, 'POST', '/_sim/outbound-rules', {
      url: hook.url,
      on: ['update'],
      bodyTemplate: '{"RecId":"{{RecId}}","LastModBy":"{{LastModBy}}","At":"{{LastModDateTime}}"}',
    });
    const ticket = sim.list('incidents').find((r) => r.Status === 'Logged')!;
    const path = `${BO}/incidents('${String(ticket.RecId)}')`;
    const patched = await call(url, 'PATCH', path, { SBT_Scope: 'in_scope' });
    expect(patched.status).toBe(200);
    // The API answer is our own write; the workflow comes after it.
    expect(patched.body.LastModBy).toBe('sbt-router');
    expect(patched.body.LastModDateTime).toBe('2026-03-15T12:00:00-06:00');
    expect(sim.get('incidents', String(ticket.RecId))!.LastModBy).toBe('sbt-router');
    advance(3000);
    await sim.workflowIdle();
    const after = sim.get('incidents', String(ticket.RecId))!;
    expect(after.LastModBy).toBe('InternalServices');
    expect(after.LastModDateTime).toBe('2026-03-15T12:00:03-06:00');
    const { '@odata.context': _ctx, ...patchedRecord } = patched.body as Record<string, unknown>;
    expect(withoutStamps(after)).toEqual(withoutStamps(patchedRecord));
    await until(() => hook.received.length === 2);
    expect(hook.received).toEqual([
      { RecId: ticket.RecId, LastModBy: 'sbt-router', At: '2026-03-15T12:00:00-06:00' },
      { RecId: ticket.RecId, LastModBy: 'InternalServices', At: '2026-03-15T12:00:03-06:00' },
    ]);
    // PUT is restamped too.
    expect((await call(url, 'PUT', path, { SBT_Scope: 'out_of_scope' })).status).toBe(200);
    expect(sim.get('incidents', String(ticket.RecId))!.LastModBy).toBe('sbt-router');
    await sim.workflowIdle();
    expect(sim.get('incidents', String(ticket.RecId))!.LastModBy).toBe('InternalServices');
  });

  it('is off by default and only follows API writes to incidents (not creates, notes or UI writes)', async () => {
    const { sim, url } = await start();
    expect((await call(url, 'GET', '/_sim/workflow')).body).toEqual({ restamp: null });
    const ticket = sim.list('incidents').find((r) => r.Status === 'Logged')!;
    const path = `${BO}/incidents('${String(ticket.RecId)}')`;
    await call(url, 'PATCH', path, { SBT_Scope: 'in_scope' });
    // Had the PATCH scheduled a restamp, workflowIdle() would wait for it.
    await sim.workflowIdle();
    expect(sim.get('incidents', String(ticket.RecId))!.LastModBy).toBe('sbt-router');

    const on = await call(url, 'POST', '/_sim/workflow', { restamp: { delayMs: 5, login: 'WorkflowBot' } });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ restamp: { delayMs: 5, login: 'WorkflowBot' } });
    const created = await call(url, 'POST', `${BO}/incidents`, { Subject: 'x', Status: 'Logged' });
    await call(url, 'POST', `${BO}/journal__notess`, {
      Subject: 'n',
      NotesBody: 'b',
      ParentLink_RecID: ticket.RecId,
    });
    sim.actAsPerson(String(ticket.RecId), 'some.person', { Urgency: 'High' });
    await sim.workflowIdle();
    expect(sim.get('incidents', String(created.body.RecId))!.LastModBy).toBe('sbt-router');
    expect(sim.get('incidents', String(ticket.RecId))!.LastModBy).toBe('some.person');
    await call(url, 'PATCH', path, { SBT_Scope: 'in_scope' });
    await sim.workflowIdle();
    expect(sim.get('incidents', String(ticket.RecId))!.LastModBy).toBe('WorkflowBot');

    const off = await call(url, 'POST', '/_sim/workflow', { restamp: null });
    expect(off.body).toEqual({ restamp: null });
    await call(url, 'PATCH', path, { SBT_Scope: 'out_of_scope' });
    await sim.workflowIdle();
    expect(sim.get('incidents', String(ticket.RecId))!.LastModBy).toBe('sbt-router');

    expect((await call(url, 'POST', '/_sim/workflow', { restamp: { delayMs: -1 } })).status).toBe(400);
    expect((await call(url, 'POST', '/_sim/workflow', { restamp: { delayMs: 1, when: 'x' } })).status).toBe(
      400,
    );
    expect((await call(url, 'POST', '/_sim/workflow', {})).status).toBe(400);
  });

  it('a reset cancels pending restamps', async () => {
    const { sim, url } = await start({ workflowRestamp: { delayMs: 80 } });
    const [ticket, other] = sim.list('incidents').filter((r) => r.Status === 'Logged');
    await call(url, 'PATCH', `${BO}/incidents('${String(ticket!.RecId)}')`, { SBT_Scope: 'in_scope' });
    await call(url, 'POST', '/_sim/reset', {});
    // A restamp scheduled after the reset, with the same delay, fires after the cancelled one would have.
    await call(url, 'PATCH', `${BO}/incidents('${String(other!.RecId)}')`, { SBT_Scope: 'in_scope' });
    await sim.workflowIdle();
    expect(sim.get('incidents', String(other!.RecId))!.LastModBy).toBe('InternalServices');
    // Same seed: the reseeded ticket is back to its seeded state, not restamped.
    expect(sim.get('incidents', String(ticket!.RecId))!.LastModBy).toBe(ticket!.LastModBy);
  });
});

describe('required fields by status (docs/heat-api.md §7)', () => {
  const activeAtDesk = (sim: Simulator): Record<string, unknown> =>
    sim.list('incidents').find((r) => r.Status === 'Active' && r.OwnerTeam === 'ITS Service Desk')!;

  it('strict: a team move that clears the Owner of an Active ticket is refused and stores nothing', async () => {
    const { sim, url } = await start({ enforceRequiredFields: true });
    const ticket = activeAtDesk(sim);
    const path = `${BO}/incidents('${String(ticket.RecId)}')`;
    const refused = await call(url, 'PATCH', path, {
      OwnerTeam: 'Telecommunications',
      Owner: '',
      SBT_Scope: 'out_of_scope',
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      code: 'ISM_4000',
      description: 'Bad Request',
      message: ['Required field Incident.Owner value must be provided.'],
      help: '',
    });
    expect(sim.get('incidents', String(ticket.RecId))).toEqual(ticket);
    // Keeping the old owner under the new team is refused by the cascade instead.
    const kept = await call(url, 'PATCH', path, { OwnerTeam: 'Telecommunications' });
    expect(kept.status).toBe(400);
    expect(kept.body.message[0]).toMatch(/is not in the validation list of validated field Incident\.Owner$/);
    // What does pass: a new owner from the new team, or a status that needs no owner.
    const telecom = sim.list('employees').find((e) => e.Team === 'Telecommunications')!;
    const withOwner = await call(url, 'PATCH', path, {
      OwnerTeam: 'Telecommunications',
      Owner: telecom.LoginID,
    });
    expect(withOwner.status).toBe(200);
    expect(withOwner.body.Owner).toBe(telecom.LoginID);
    const other = activeAtDesk(sim);
    const toLogged = await call(url, 'PATCH', `${BO}/incidents('${String(other.RecId)}')`, {
      OwnerTeam: 'Web Services',
      Owner: '',
      Status: 'Logged',
    });
    expect(toLogged.status).toBe(200);
    expect(toLogged.body.Owner).toBe('');
    // A Logged ticket moves freely.
    const logged = sim.list('incidents').find((r) => r.Status === 'Logged')!;
    expect(
      (
        await call(url, 'PATCH', `${BO}/incidents('${String(logged.RecId)}')`, {
          OwnerTeam: 'Web Services',
          Owner: '',
        })
      ).status,
    ).toBe(200);
  });

  it('strict: Resolved needs CauseCode, Resolution, Symptom and the customer, all named', async () => {
    const { sim, url } = await start({ enforceRequiredFields: true });
    const ticket = activeAtDesk(sim);
    const path = `${BO}/incidents('${String(ticket.RecId)}')`;
    const refused = await call(url, 'PATCH', path, { Status: 'Resolved', Symptom: '' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toEqual([
      'Required field Incident.CauseCode value must be provided.',
      'Required field Incident.Resolution value must be provided.',
      'Required field Incident.Symptom value must be provided.',
    ]);
    const ok = await call(url, 'PATCH', path, {
      Status: 'Resolved',
      CauseCode: 'Configuration',
      Resolution: 'Done.',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.Status).toBe('Resolved');
  });

  it("'on-status-change': the team move is accepted, a status change without an owner is not", async () => {
    const { sim, url } = await start({ enforceRequiredFields: 'on-status-change' });
    const ticket = activeAtDesk(sim);
    const path = `${BO}/incidents('${String(ticket.RecId)}')`;
    const moved = await call(url, 'PATCH', path, { OwnerTeam: 'Telecommunications', Owner: '' });
    expect(moved.status).toBe(200);
    expect(moved.body.Owner).toBe('');
    const refused = await call(url, 'PATCH', path, { Status: 'Waiting for Customer' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toEqual(['Required field Incident.Owner value must be provided.']);
  });

  it('is off by default: the team move clearing the Owner of an Active ticket is accepted', async () => {
    const { sim, url } = await start();
    const ticket = activeAtDesk(sim);
    const res = await call(url, 'PATCH', `${BO}/incidents('${String(ticket.RecId)}')`, {
      OwnerTeam: 'Telecommunications',
      Owner: '',
    });
    expect(res.status).toBe(200);
  });
});

describe('$metadata (docs/heat-api.md §3)', () => {
  it('answers CSDL XML listing every property, the configured custom fields included', async () => {
    const { url } = await start({
      customFields: { incidents: ['SBT_Scope', 'SBT_Confidence', 'SBT_ClassifiedDateTime'] },
    });
    for (const base of ['', '/HEAT']) {
      const res = await fetch(`${url}${base}/api/odata/incidents/$metadata`, {
        headers: { ...KEY, Accept: 'application/xml' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      const xml = await res.text();
      expect(xml).toMatch(/^<\?xml version="1\.0" encoding="utf-8"\?>/);
      expect(xml).toContain('<EntityType Name="incident">');
      expect(xml).toContain('<EntitySet Name="incidents" EntityType="MetaData.incident"/>');
      expect(xml).toContain('<Property Name="RecId" Type="Edm.String" Nullable="false"/>');
      expect(xml).toContain('<Property Name="Subject" Type="Edm.String"/>');
      expect(xml).toContain('<Property Name="IncidentNumber" Type="Edm.Int32"/>');
      expect(xml).toContain('<Property Name="LastModDateTime" Type="Edm.DateTimeOffset"/>');
      expect(xml).toContain('<Property Name="SBT_Scope" Type="Edm.String"/>');
      expect(xml).toContain('<Property Name="SBT_Confidence" Type="Edm.Decimal"/>');
      expect(xml).toContain('<Property Name="SBT_ClassifiedDateTime" Type="Edm.DateTimeOffset"/>');
      // A field this tenant lacks is absent, so a client can detect it at runtime.
      expect(xml).not.toContain('SBT_RoutedTo');
    }
    const ou = await fetch(`${url}/api/odata/OrganizationalUnits/$metadata`, { headers: KEY });
    expect(ou.status).toBe(200);
    expect(await ou.text()).toContain('<Property Name="SBT_InScopeCount" Type="Edm.Int32"/>');
  });

  it('500 for Accept: application/json; 404 for an unknown set or the service root; 401 without a key', async () => {
    const { url } = await start();
    const asJson = await call(url, 'GET', '/api/odata/incidents/$metadata', undefined, {
      ...KEY,
      Accept: 'application/json',
    });
    expect(asJson.status).toBe(500);
    expect(asJson.body.code).toBe('ISM_5000');
    const unknown = await call(url, 'GET', '/api/odata/nothings/$metadata');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ISM_4004');
    const root = await call(url, 'GET', '/api/odata/$metadata');
    expect(root.status).toBe(404);
    expect(root.body).toEqual({
      code: 'ISM_4004',
      description: 'No service',
      message: ['No service'],
      help: '',
    });
    expect((await call(url, 'GET', '/api/odata/incidents/$metadata', undefined, {})).status).toBe(401);
  });
});

describe('IncidentContainsJournal navigation and $Ref links (docs/heat-api.md §3, §5, §9)', () => {
  it('answers {"value":"No instances found."} when empty, the notes otherwise; links and unlinks notes', async () => {
    const { sim, url } = await start();
    const ticket = sim.list('incidents').find((r) => sim.notesFor(String(r.RecId)).length === 0)!;
    const nav = `${BO}/incidents('${String(ticket.RecId)}')/IncidentContainsJournal`;
    const empty = await call(url, 'GET', nav);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ value: 'No instances found.' });

    const note = await call(url, 'POST', `${BO}/journal__notess`, {
      Subject: 'Routed',
      NotesBody: 'Moved to the right team.',
      ParentLink_RecID: ticket.RecId,
    });
    expect(note.status).toBe(201);
    const listed = await call(url, 'GET', nav);
    expect(listed.status).toBe(200);
    expect(listed.body['@odata.context']).toMatch(
      /\/api\/odata\/\$metadata#Collection\(MetaData\.journal\)$/,
    );
    expect(listed.body.value.map((n: { RecId: string }) => n.RecId)).toEqual([note.body.RecId]);

    // An orphan note, then linked with $Ref (D-Link19).
    const orphan = await call(url, 'POST', `${BO}/journal__notess`, { Subject: 'Later', NotesBody: 'x' });
    const ref = `${nav}('${String(orphan.body.RecId)}')/$Ref`;
    const linked = await call(url, 'PATCH', ref, {});
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual({
      code: 'ISM_2000',
      description: 'Ok',
      message: ['Successfully Created the link'],
      help: '',
    });
    expect(sim.notesFor(String(ticket.RecId)).map((n) => n.RecId)).toEqual([
      note.body.RecId,
      orphan.body.RecId,
    ]);
    const unlinked = await call(url, 'DELETE', ref);
    expect(unlinked.status).toBe(204);
    expect(sim.notesFor(String(ticket.RecId)).map((n) => n.RecId)).toEqual([note.body.RecId]);

    const badLink = await call(url, 'PATCH', `${nav}('1234')/$Ref`, {});
    expect(badLink.status).toBe(400);
    expect(badLink.body.message).toEqual([
      "Record '1234' cannot be found in the related business object 'Journal#'",
    ]);
    const missing = await call(url, 'GET', `${BO}/incidents('0000')/IncidentContainsJournal`);
    expect(missing.status).toBe(400);
    expect(missing.body.message).toEqual(['Invalid key']);
    const unknownRel = await call(
      url,
      'GET',
      `${BO}/incidents('${String(ticket.RecId)}')/IncidentContainsTask`,
    );
    expect(unknownRel.status).toBe(404);
    expect(sim.stats().byRoute['GET incidents navigation']).toBe(4);
    expect(sim.stats().byRoute['PATCH incidents $Ref']).toBe(2);
  });
});

describe('throttling by slowing (docs/heat-api.md §11)', () => {
  it('adds slowAfterCallsMs to every call past slowAfterCalls; a stats reset starts a new budget', async () => {
    const { sim, url } = await start({ faults: { slowAfterCalls: 2, slowAfterCallsMs: 500 } });
    const timed = async (): Promise<number> => {
      const t = Date.now();
      expect((await call(url, 'GET', `${BO}/incidents?$top=1`)).status).toBe(200);
      return Date.now() - t;
    };
    expect(await timed()).toBeLessThan(400);
    expect(await timed()).toBeLessThan(400);
    expect(await timed()).toBeGreaterThanOrEqual(495);
    sim.resetStats();
    expect(await timed()).toBeLessThan(400);
  });
});
