import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import { waitFor } from '../support/cli-process.js';

const NOW = new Date('2026-03-15T18:00:00Z');
const KEY = { Authorization: 'rest_api_key=sim-api-key' };
const BO = '/api/odata/businessobject';

let sim: Simulator;
let url: string;

interface Answer {
  status: number;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; raw?: string; contentType?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...KEY, ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed };
}

const q = (params: Record<string, string>): string =>
  '?' +
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');

beforeAll(async () => {
  sim = createSimulator({
    seed: 11,
    now: () => NOW,
    users: [
      { username: 'sbt-router', password: 'pw', role: 'Admin' },
      { username: 'jtech', password: 'pw2', role: 'SelfService' },
    ],
  });
  url = await sim.listen(0);
});

afterAll(async () => {
  await sim.close();
});

describe('authentication', () => {
  it('accepts the REST API key and answers 401 ISM_4001 without credentials', async () => {
    expect((await call('GET', `${BO}/incidents`)).status).toBe(200);
    const res = await fetch(`${url}${BO}/incidents`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      code: 'ISM_4001',
      description: 'Invalid session key or session timed out',
      message: ['Authentication required'],
      help: '',
    });
    const wrongKey = await call('GET', `${BO}/incidents`, {
      headers: { Authorization: 'rest_api_key=nope' },
    });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body.code).toBe('ISM_4001');
  });

  it('logs in with JSON, UserName/Password keys or a form, and accepts the raw or Bearer session id', async () => {
    const login = await call('POST', '/api/rest/authentication/login', {
      headers: { Authorization: '' },
      body: { tenant: 'maplevalley.saasit.example', username: 'sbt-router', password: 'pw', role: 'Admin' },
    });
    expect(login.status).toBe(200);
    expect(typeof login.body).toBe('string');
    expect(login.body).toMatch(/^maplevalley\.saasit\.example#[A-Z0-9]{32}#2$/);
    expect(
      (await call('GET', `${BO}/incidents${q({ $top: '1' })}`, { headers: { Authorization: login.body } }))
        .status,
    ).toBe(200);
    expect(
      (
        await call('GET', `${BO}/incidents${q({ $top: '1' })}`, {
          headers: { Authorization: `Bearer ${login.body}` },
        })
      ).status,
    ).toBe(200);

    const ansible = await call('POST', '/api/rest/authentication/login', {
      headers: { Authorization: '' },
      body: { tenant: new URL(url).host, UserName: 'jtech', Password: 'pw2', role: 'SelfService' },
    });
    expect(ansible.status).toBe(200);
    const form = await call('POST', '/HEAT/api/rest/authentication/login', {
      headers: { Authorization: '' },
      raw: 'tenant=maplevalley.saasit.example&username=sbt-router&password=pw&role=Admin',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(200);
    expect(form.body).toMatch(/#2$/);
  });

  it("refuses a bad login with 400 ISM_4000 and HEAT's message", async () => {
    for (const body of [
      { tenant: 'maplevalley.saasit.example', username: 'sbt-router', password: 'wrong', role: 'Admin' },
      { tenant: 'other.example', username: 'sbt-router', password: 'pw', role: 'Admin' },
      { tenant: 'maplevalley.saasit.example', username: 'sbt-router', password: 'pw', role: 'Administrator' },
    ]) {
      const res = await call('POST', '/api/rest/authentication/login', {
        headers: { Authorization: '' },
        body,
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        code: 'ISM_4000',
        description: 'Bad Request',
        message: [
          'Unhandled system exception: Tenant Not Found or wrong Password or OpenID not Configured Properly.',
        ],
        help: '',
      });
    }
  });

  it('expires idle sessions with the sessionTtlMs fault and stamps writes with the session user', async () => {
    const login = await call('POST', '/api/rest/authentication/login', {
      headers: { Authorization: '' },
      body: { tenant: 'maplevalley.saasit.example', username: 'sbt-router', password: 'pw', role: 'Admin' },
    });
    const session = { Authorization: login.body as string };
    const recId = sim.list('incidents')[3]!.RecId as string;
    const patched = await call('PATCH', `${BO}/incidents('${recId}')`, {
      headers: session,
      body: { SBT_Scope: 'in_scope' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.LastModBy).toBe('sbt-router');
    sim.setFaults({ sessionTtlMs: 30 });
    try {
      // The session is left idle past its TTL: checked every 50 ms (longer than the TTL, so that the
      // checks themselves do not keep it alive), bounded.
      let expired: Awaited<ReturnType<typeof call>> | undefined;
      await waitFor(
        async () => {
          expired = await call('GET', `${BO}/incidents`, { headers: session });
          return expired.status === 401;
        },
        5_000,
        50,
      );
      expect(expired?.status).toBe(401);
      expect(expired?.body.description).toBe('Invalid session key or session timed out');
      // The API key never expires.
      expect((await call('GET', `${BO}/incidents${q({ $top: '1' })}`)).status).toBe(200);
    } finally {
      sim.setFaults({ sessionTtlMs: 0 });
    }
  });
});

describe('collections', () => {
  it('pages with $top (default 25, max 100) and $skip, always with @odata.count', async () => {
    const first = await call('GET', `${BO}/incidents`);
    expect(first.body['@odata.count']).toBe(320);
    expect(first.body.value).toHaveLength(25);
    expect(first.body['@odata.context']).toBe(`${url}/api/odata/$metadata#incidents`);
    const seen = new Set<string>();
    for (let skip = 0; ; skip += 100) {
      const page = await call(
        'GET',
        `${BO}/incidents${q({ $top: '100', $skip: String(skip), $orderby: 'IncidentNumber asc' })}`,
      );
      for (const r of page.body.value) seen.add(r.RecId);
      if (page.body.value.length < 100) break;
    }
    expect(seen.size).toBe(320);
    const tooBig = await call('GET', `${BO}/incidents${q({ $top: '101' })}`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.code).toBe('ISM_4000');
    expect(tooBig.body.description).toBe('Invalid Request Payload');
  });

  it('matches entity sets case-insensitively; unknown plural -> 200 empty, singular -> 404 ISM_4004', async () => {
    const upper = await call('GET', `${BO}/Incidents${q({ $top: '1' })}`);
    expect(upper.status).toBe(200);
    expect(upper.body.value).toHaveLength(1);
    const plural = await call('GET', `${BO}/Categories`);
    expect(plural.status).toBe(200);
    expect(plural.text).toBe('');
    const singular = await call('GET', `${BO}/incident`);
    expect(singular.status).toBe(404);
    expect(singular.body.code).toBe('ISM_4004');
  });

  it('answers a filter that matches nothing with 200 and an empty body', async () => {
    const res = await call('GET', `${BO}/incidents${q({ $filter: "Subject eq 'no such ticket at all'" })}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('orders by several clauses; unknown field -> 204, empty -> 500 ISM_5000', async () => {
    const res = await call(
      'GET',
      `${BO}/incidents${q({ $orderby: 'Status desc,IncidentNumber desc', $top: '100' })}`,
    );
    const values = res.body.value as Array<{ Status: string; IncidentNumber: number }>;
    for (let i = 1; i < values.length; i += 1) {
      const a = values[i - 1]!;
      const b = values[i]!;
      const cmp = a.Status.toLowerCase().localeCompare(b.Status.toLowerCase());
      expect(cmp > 0 || (cmp === 0 && a.IncidentNumber > b.IncidentNumber)).toBe(true);
    }
    const bad = await call('GET', `${BO}/incidents${q({ $orderby: 'Nope asc' })}`);
    expect(bad.status).toBe(204);
    expect(bad.text).toBe('');
    expect((await call('GET', `${BO}/incidents${q({ $orderby: 'Status sideways' })}`)).status).toBe(204);
    const empty = await call('GET', `${BO}/incidents${q({ $orderby: '' })}`);
    expect(empty.status).toBe(500);
    expect(empty.body.code).toBe('ISM_5000');
  });

  it('projects $select and names it in the context; empty $select -> 500', async () => {
    const res = await call('GET', `${BO}/incidents${q({ $select: 'RecId,category', $top: '3' })}`);
    expect(res.body['@odata.context']).toBe(`${url}/api/odata/$metadata#incidents(RecId,Category)`);
    for (const r of res.body.value) expect(Object.keys(r)).toEqual(['RecId', 'Category']);
    const empty = await call('GET', `${BO}/incidents${q({ $select: '' })}`);
    expect(empty.status).toBe(500);
    expect(empty.body.code).toBe('ISM_5000');
  });

  it('filters with operators, parentheses, dates, case-insensitive eq and ignores functions', async () => {
    const all = sim.list('incidents');
    const count = async (filter: string): Promise<number> => {
      const res = await call('GET', `${BO}/incidents${q({ $filter: filter, $top: '1' })}`);
      return res.text === '' ? 0 : (res.body['@odata.count'] as number);
    };
    const logged = all.filter((r) => r.Status === 'Logged').length;
    expect(await count("Status eq 'LOGGED'")).toBe(logged);
    expect(await count("Status ne 'Logged'")).toBe(all.length - logged);
    const techOrClosed = all.filter(
      (r) =>
        (r.OwnerTeam === 'School Technicians' || r.Status === 'Closed') && Number(r.IncidentNumber) > 10100,
    ).length;
    expect(
      await count("(OwnerTeam eq 'School Technicians' or Status eq 'Closed') and IncidentNumber gt 10100"),
    ).toBe(techOrClosed);
    const since = Date.parse('2026-02-01T00:00:00Z');
    expect(await count('CreatedDateTime ge 2026-02-01')).toBe(
      all.filter((r) => Date.parse(String(r.CreatedDateTime)) >= since).length,
    );
    const sinceLocal = Date.parse('2026-02-01T00:00:00-06:00');
    expect(await count('CreatedDateTime ge 2026-02-01T00:00:00-06:00')).toBe(
      all.filter((r) => Date.parse(String(r.CreatedDateTime)) >= sinceLocal).length,
    );
    expect(await count("Owner eq '$NULL'")).toBe(
      all.filter((r) => r.Owner === null || r.Owner === '').length,
    );
    expect(await count("contains(Subject,'printer')")).toBe(all.length);
    const bad = await call('GET', `${BO}/incidents${q({ $filter: "Nope eq 'x'" })}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['Invalid Filter Value. Provide a valid Filter value and try again']);
  });

  it('serves organizational units, teams and employees, also under /HEAT', async () => {
    const ous = await call(
      'GET',
      `/HEAT${BO}/organizationalunits${q({ $filter: "Name eq 'lincoln elementary'" })}`,
    );
    expect(ous.status).toBe(200);
    expect(ous.body.value[0].Name).toBe('Lincoln Elementary');
    expect(ous.body.value[0]).toHaveProperty('SBT_Count_gradebook_admin', null);
    expect(ous.body['@odata.context']).toBe(`${url}/HEAT/api/odata/$metadata#organizationalunits`);
    const teams = await call(
      'GET',
      `${BO}/standarduserteams${q({ $filter: "Team eq 'Telecommunications'" })}`,
    );
    expect(teams.body['@odata.count']).toBe(1);
    const techs = await call(
      'GET',
      `${BO}/employees${q({ $filter: "Team eq 'School Technicians'", $top: '100' })}`,
    );
    expect(techs.body['@odata.count']).toBeGreaterThanOrEqual(14);
  });
});

describe('records', () => {
  it('GETs one record by key; missing -> 400 Invalid key; empty key -> 400', async () => {
    const rec = sim.list('incidents')[0]!;
    const res = await call('GET', `${BO}/incidents('${String(rec.RecId)}')`);
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toBe(`${url}/api/odata/$metadata#incidents/$entity`);
    expect(res.body.RecId).toBe(rec.RecId);
    expect(res.body.Subject).toBe(rec.Subject);
    const encoded = await call('GET', `${BO}/incidents(%27${String(rec.RecId).toLowerCase()}%27)`);
    expect(encoded.body.RecId).toBe(rec.RecId);
    const missing = await call('GET', `${BO}/incidents('0123456789ABCDEF0123456789ABCDEF')`);
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('ISM_4000');
    expect(missing.body.message).toEqual(['Invalid key']);
    const empty = await call('GET', `${BO}/incidents('')`);
    expect(empty.status).toBe(400);
    expect(empty.body.message).toEqual(['Key value cannot be empty']);
  });

  it('PATCH and PUT change only the given fields, resolve _Valid twins and stamp LastMod*', async () => {
    const before = sim
      .list('incidents')
      .find((r) => r.Status === 'Active' && r.OwnerTeam === 'ITS Service Desk')!;
    const path = `${BO}/incidents('${String(before.RecId)}')`;
    const res = await call('PATCH', path, {
      body: {
        OwnerTeam: 'telecommunications',
        Owner: '',
        SBT_Scope: 'out_of_scope',
        SBT_Confidence: 0.82,
        SBT_Restricted: false,
        SBT_ClassifiedDateTime: '2026-03-15T18:00:00.000Z',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toMatch(/#incidents\/\$entity$/);
    expect(res.body.OwnerTeam).toBe('Telecommunications');
    const team = sim.list('standarduserteams').find((t) => t.Team === 'Telecommunications')!;
    expect(res.body.OwnerTeam_Valid).toBe(team.RecId);
    expect(res.body.Owner).toBe('');
    expect(res.body.SBT_Confidence).toBe(0.82);
    expect(res.body.SBT_ClassifiedDateTime).toBe('2026-03-15T12:00:00-06:00');
    expect(res.body.LastModBy).toBe('sbt-router');
    expect(res.body.LastModDateTime).toBe('2026-03-15T12:00:00-06:00');
    expect(res.body.Subject).toBe(before.Subject);
    expect(res.body.CreatedDateTime).toBe(before.CreatedDateTime);
    const put = await call('PUT', path, { body: { SBT_RoutedTo: 'Telecommunications' } });
    expect(put.status).toBe(200);
    expect(put.body.SBT_RoutedTo).toBe('Telecommunications');
    expect(put.body.SBT_Scope).toBe('out_of_scope');
    expect(sim.get('incidents', String(before.RecId))!.SBT_RoutedTo).toBe('Telecommunications');
  });

  it("refuses bad writes with HEAT's messages and stores nothing", async () => {
    const rec = sim.list('incidents').find((r) => r.Status === 'Logged')!;
    const path = `${BO}/incidents('${String(rec.RecId)}')`;
    const empty = await call('PATCH', path, { raw: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toEqual(['Message body cannot be empty']);
    expect((await call('PATCH', path, { body: {} })).body.message).toEqual(['Message body cannot be empty']);
    const missing = await call('PATCH', `${BO}/incidents('0123456789ABCDEF0123456789ABCDEF')`, {
      body: { Status: 'Active' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toEqual([
      "Record '0123456789ABCDEF0123456789ABCDEF' cannot be found in the business object 'Incident'",
    ]);
    const unknown = await call('PATCH', path, { body: { SBT_Scope: 'in_scope', NotAField: 1 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('ISM_4000');
    expect(unknown.body.message[0]).toContain('NotAField');
    const badTeam = await call('PATCH', path, { body: { SBT_Scope: 'in_scope', OwnerTeam: 'Nobody Team' } });
    expect(badTeam.status).toBe(400);
    expect(badTeam.body.message).toEqual([
      "'Nobody Team' is not in the validation list of validated field Incident.OwnerTeam",
    ]);
    const badStatus = await call('PATCH', path, { body: { Status: 'Done' } });
    expect(badStatus.body.message).toEqual([
      "'Done' is not in the validation list of validated field Incident.Status",
    ]);
    // Owner must belong to OwnerTeam (the cascade).
    const deskPerson = sim
      .list('employees')
      .find((e) => e.Team === 'ITS Service Desk' && e.LoginID !== 'sbt-router')!;
    const cascade = await call('PATCH', path, {
      body: { OwnerTeam: 'Web Services', Owner: deskPerson.LoginID },
    });
    expect(cascade.status).toBe(400);
    expect(cascade.body.message).toEqual([
      `'${String(deskPerson.LoginID)}' is not in the validation list of validated field Incident.Owner`,
    ]);
    const after = sim.get('incidents', String(rec.RecId))!;
    expect(after).toEqual(rec);
    const ok = await call('PATCH', path, {
      body: { OwnerTeam: 'ITS Service Desk', Owner: deskPerson.LoginID },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.Owner_Valid).toBe(deskPerson.RecId);
  });

  it('accepts a write to a Closed (ReadOnly) record, as HEAT does', async () => {
    const closed = sim.list('incidents').find((r) => r.Status === 'Closed')!;
    expect(closed.ReadOnly).toBe(true);
    const res = await call('PATCH', `${BO}/incidents('${String(closed.RecId)}')`, {
      body: { SBT_Scope: 'in_scope' },
    });
    expect(res.status).toBe(200);
    expect(res.body.SBT_Scope).toBe('in_scope');
    expect(res.body.ReadOnly).toBe(true);
  });

  it('creates incidents with 201, server-set fields and sequential numbers', async () => {
    const requester = sim.list('employees').find((e) => e.Title === 'Teacher')!;
    const res = await call('POST', `${BO}/incidents`, {
      body: {
        Subject: 'Projector dead',
        Symptom: 'No picture.',
        Status: 'Logged',
        Category: 'Hardware',
        ProfileLink_RecID: requester.RecId,
        ProfileLink_Category: 'Employee',
        Source: 'Phone',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.RecId).toMatch(/^[0-9A-F]{32}$/);
    expect(res.body.IncidentNumber).toBe(10321);
    expect(res.body.Owner).toBeNull();
    expect(res.body.Category_Valid).toMatch(/^[0-9A-F]{32}$/);
    expect(res.body.ProfileFullName).toBe(requester.DisplayName);
    expect(res.body.OrganizationUnitID).toBe(requester.OrganizationUnitID);
    expect(res.body.OrgUnitLink_RecID).toMatch(/^[0-9A-F]{32}$/);
    expect(res.body.CreatedBy).toBe('sbt-router');
    expect(res.body.CreatedDateTime).toBe('2026-03-15T12:00:00-06:00');
    expect(res.body.ClosedDateTime).toBe('0001-01-01T00:00:00Z');
    // Refused creates burn a number (docs/heat-api.md §7).
    expect((await call('POST', `${BO}/incidents`, { body: { Subject: 'x', Status: 'Nope' } })).status).toBe(
      400,
    );
    const next = await call('POST', `${BO}/incidents`, { body: { Subject: 'y' } });
    expect(next.body.IncidentNumber).toBe(10323);
    // Without Status the create is auto-advanced to Active, owned by the key's account.
    expect(next.body.Status).toBe('Active');
    expect(next.body.Owner).toBe('sbt-router');
    expect(next.body.OwnerTeam).toBe('ITS Service Desk');
  });

  it('creates journal notes linked to the incident; unknown parent -> 400', async () => {
    const rec = sim.list('incidents')[10]!;
    const res = await call('POST', `${BO}/journal__Notess`, {
      body: {
        Subject: 'Moved',
        NotesBody: 'Rerouted by policy.',
        ParentLink_RecID: rec.RecId,
        ParentLink_Category: 'Incident',
        Source: 'Other',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      JournalType: 'Notes',
      Category: 'Memo',
      PublishToWeb: false,
      DisplayText: 'Moved Rerouted by policy.',
      ParentLink_RecID: rec.RecId,
    });
    expect(sim.notesFor(String(rec.RecId)).map((n) => n.RecId)).toEqual([res.body.RecId]);
    const orphan = await call('POST', `${BO}/journal__notess`, {
      body: { Subject: 'x', NotesBody: 'y', ParentLink_RecID: '0123456789ABCDEF0123456789ABCDEF' },
    });
    expect(orphan.status).toBe(400);
    expect(orphan.body.code).toBe('ISM_4000');
  });

  it('writes per-school counts to organizational units', async () => {
    const ou = sim.list('organizationalunits')[0]!;
    const res = await call('PATCH', `/HEAT${BO}/organizationalunits('${String(ou.RecId)}')`, {
      body: {
        SBT_InScopeCount: 12,
        SBT_OutOfScopeShare: 0.25,
        SBT_CountPeriod: '2026-03',
        SBT_CountsUpdated: '2026-03-15T18:00:00Z',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      SBT_InScopeCount: 12,
      SBT_OutOfScopeShare: 0.25,
      SBT_CountPeriod: '2026-03',
      SBT_CountsUpdated: '2026-03-15T12:00:00-06:00',
    });
    const bad = await call('PATCH', `${BO}/organizationalunits('${String(ou.RecId)}')`, {
      body: { SBT_InScopeCount: 'many' },
    });
    expect(bad.status).toBe(400);
  });
});
