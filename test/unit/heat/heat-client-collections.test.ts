import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BASE, incidents, makeTestClient, ODATA } from './test-heat-client.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** Serves `rows` in $top/$skip pages and records every query it was asked. */
function servePages(rows: object[], asked: URLSearchParams[], set = 'incidents'): nock.Scope {
  return nock(BASE)
    .get(`${ODATA}/${set}`)
    .query(true)
    .times(50)
    .reply((uri) => {
      const params = new URL(uri, BASE).searchParams;
      asked.push(params);
      const top = Number(params.get('$top'));
      const skip = Number(params.get('$skip'));
      return [200, { '@odata.count': rows.length, value: rows.slice(skip, skip + top) }];
    });
}

describe('pages()', () => {
  it('pages with $top/$skip until a short page', async () => {
    const { client, calls } = makeTestClient({ pageSize: 10 });
    const asked: URLSearchParams[] = [];
    servePages(incidents(25), asked);
    const sizes: number[] = [];
    for await (const page of client.pages('incidents')) sizes.push(page.length);
    expect(sizes).toEqual([10, 10, 5]);
    expect(asked.map((p) => [p.get('$top'), p.get('$skip')])).toEqual([
      ['10', '0'],
      ['10', '10'],
      ['10', '20'],
    ]);
    // The recorded path is the API path: no query string, no base-URL prefix (stable metric labels).
    expect(calls.map((c) => c.path)).toEqual(Array(3).fill('/api/odata/businessobject/incidents'));
  });

  it('asks once more after an exactly full last page and stops on the empty answer', async () => {
    const { client } = makeTestClient({ pageSize: 10 });
    const asked: URLSearchParams[] = [];
    servePages(incidents(20), asked);
    const all = await client.list('incidents');
    expect(all).toHaveLength(20);
    expect(all.map((r) => r['RecId'])).toEqual(incidents(20).map((r) => r.RecId));
    expect(asked).toHaveLength(3);
  });

  it('clamps $top to 100 because HEAT refuses 101', async () => {
    const { client } = makeTestClient();
    const asked: URLSearchParams[] = [];
    servePages(incidents(3), asked);
    await client.list('incidents', { top: 500 });
    expect(asked[0]!.get('$top')).toBe('100');
  });

  it.each([
    ['200 with an empty body', 200, ''],
    ['204 No Content', 204, undefined],
    ['{"value": []}', 200, { value: [] }],
    ['{"value": "No instances found."}', 200, { value: 'No instances found.' }],
  ])('treats %s as no rows', async (_name, status, body) => {
    const { client } = makeTestClient();
    const scope = nock(BASE)
      .get(`${ODATA}/incidents`)
      .query(true)
      .reply(status, body as never);
    const pages: unknown[] = [];
    for await (const page of client.pages('incidents', { filter: "Status eq 'Nope'" })) pages.push(page);
    expect(pages).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('refuses an answer that is not a collection, with a fix', async () => {
    const { client } = makeTestClient();
    nock(BASE)
      .get(`${ODATA}/incidents`)
      .query(true)
      .reply(200, '<html>login</html>', { 'Content-Type': 'text/html' });
    await expect(client.list('incidents')).rejects.toMatchObject({
      name: 'HeatApiError',
      retryable: false,
      message: expect.stringMatching(/not an OData collection.*Fix: check HEAT_BASE_URL/),
    });
  });

  it('sends $filter, $select and $orderby encoded, with $ names literal', async () => {
    const { client } = makeTestClient();
    let rawPath = '';
    nock(BASE)
      .get(`${ODATA}/incidents`)
      .query(true)
      .reply(function () {
        rawPath = this.req.path;
        return [200, { value: [] }];
      });
    await client.list('incidents', {
      filter: "(OwnerTeam eq 'R&D' or Status eq 'Active')",
      select: ['RecId', 'Status'],
      orderby: 'RecId asc',
    });
    // Node's URL parser percent-encodes the quotes (%27) on the way out; HEAT decodes both forms.
    expect(rawPath).toBe(
      '/HEAT/api/odata/businessobject/incidents?$filter=(OwnerTeam%20eq%20%27R%26D%27%20or%20Status%20eq%20%27Active%27)&$select=RecId,Status&$orderby=RecId%20asc&$top=100&$skip=0',
    );
    const params = new URL(rawPath, BASE).searchParams;
    expect(params.get('$filter')).toBe("(OwnerTeam eq 'R&D' or Status eq 'Active')");
  });
});

describe('changedSince()', () => {
  it('filters from watermark minus overlap with a bare timestamp, ordered and always selecting RecId/LastModDateTime', async () => {
    const { client } = makeTestClient();
    const asked: URLSearchParams[] = [];
    servePages(incidents(2), asked);
    const pages = [];
    for await (const page of client.changedSince('2026-11-01T10:02:00Z', {
      overlapMs: 120_000,
      select: ['Status', 'RecId'],
    })) {
      pages.push(page);
    }
    expect(pages.flat()).toHaveLength(2);
    expect(asked[0]!.get('$filter')).toBe('LastModDateTime ge 2026-11-01T10:00:00Z');
    expect(asked[0]!.get('$orderby')).toBe('LastModDateTime asc,RecId asc');
    expect(asked[0]!.get('$select')).toBe('RecId,LastModDateTime,Status');
  });

  it("uses a day-early bare date when filterDateFormat is 'date' (config or option)", async () => {
    const asked: URLSearchParams[] = [];
    servePages([], asked, 'servicereqs');
    const { client } = makeTestClient({ filterDateFormat: 'date' });
    for await (const _ of client.changedSince('2026-11-01T00:01:00+02:00', {
      overlapMs: 0,
      set: 'servicereqs',
    }))
      void _;
    expect(asked[0]!.get('$filter')).toBe('LastModDateTime ge 2026-10-30');

    const other = makeTestClient();
    for await (const _ of other.client.changedSince('2026-11-01T10:00:00Z', {
      overlapMs: 0,
      set: 'servicereqs',
      filterDateFormat: 'date',
    }))
      void _;
    expect(asked[1]!.get('$filter')).toBe('LastModDateTime ge 2026-10-31');
  });

  it('drops rows repeated across pages (same RecId + LastModDateTime) but keeps a newer modification', async () => {
    const { client } = makeTestClient({ pageSize: 3 });
    const [a, b, c, d, e] = incidents(5);
    const pagesServed = [
      [a, b, c],
      // The set shifted under $skip: c is served again (same instant, other offset) and b re-modified.
      [{ ...c!, LastModDateTime: c!.LastModDateTime.replace('Z', '+00:00') }, d, e],
      [{ ...b!, LastModDateTime: '2026-11-01T11:00:00Z' }],
    ];
    let i = 0;
    nock(BASE)
      .get(`${ODATA}/incidents`)
      .query(true)
      .times(3)
      .reply(() => [200, { value: pagesServed[i++] }]);
    const seen: string[] = [];
    for await (const page of client.changedSince('2026-11-01T10:00:00Z', { overlapMs: 0, top: 3 })) {
      seen.push(
        ...page.map((r) => `${String(r['RecId']).slice(-1)}@${String(r['LastModDateTime']).slice(11, 19)}`),
      );
    }
    expect(seen).toEqual([
      '0@10:00:00',
      '1@10:00:01',
      '2@10:00:02',
      '3@10:00:03',
      '4@10:00:04',
      '1@11:00:00',
    ]);
  });

  it('refuses a negative overlap or an unparseable watermark', async () => {
    const { client } = makeTestClient();
    const drain = async (w: string, overlapMs: number) => {
      for await (const _ of client.changedSince(w, { overlapMs })) void _;
    };
    await expect(drain('2026-11-01T10:00:00Z', -1)).rejects.toThrow(/overlapMs/);
    await expect(drain('last tuesday', 0)).rejects.toThrow(/watermark "last tuesday"/);
  });
});

describe('records', () => {
  it("GETs incidents('RECID') and returns the record", async () => {
    const { client } = makeTestClient();
    nock(BASE)
      .get(`${ODATA}/incidents('ABC123')`)
      .reply(200, { '@odata.context': 'x', RecId: 'ABC123', Status: 'Active' });
    expect(await client.getByRecId('incidents', 'ABC123')).toMatchObject({
      RecId: 'ABC123',
      Status: 'Active',
    });
  });

  it('PATCHes only the given fields and returns the full record', async () => {
    const { client } = makeTestClient();
    let sent: unknown;
    nock(BASE)
      .patch(`${ODATA}/incidents('ABC123')`, (body) => {
        sent = body;
        return true;
      })
      .reply(200, { RecId: 'ABC123', OwnerTeam: 'Web Team', Status: 'Active', Subject: 'x' });
    const rec = await client.update('incidents', 'ABC123', { OwnerTeam: 'Web Team' });
    expect(sent).toEqual({ OwnerTeam: 'Web Team' });
    expect(rec).toMatchObject({ RecId: 'ABC123', OwnerTeam: 'Web Team', Status: 'Active' });
  });

  it('reads the record back when a PATCH answers without a body, and skips an empty PATCH', async () => {
    const { client, calls } = makeTestClient();
    nock(BASE).patch(`${ODATA}/incidents('A1')`).reply(204);
    nock(BASE).get(`${ODATA}/incidents('A1')`).times(2).reply(200, { RecId: 'A1', OwnerTeam: 'T' });
    expect(await client.update('incidents', 'A1', { OwnerTeam: 'T' })).toEqual({
      RecId: 'A1',
      OwnerTeam: 'T',
    });
    expect(await client.update('incidents', 'A1', {})).toEqual({ RecId: 'A1', OwnerTeam: 'T' });
    expect(calls.map((c) => c.method)).toEqual(['PATCH', 'GET', 'GET']);
  });

  it('POSTs a create and returns the 201 record', async () => {
    const { client } = makeTestClient();
    nock(BASE)
      .post(`${ODATA}/incidents`, { Subject: 's', Status: 'Logged' })
      .reply(201, { RecId: 'NEW1', Subject: 's' });
    expect(await client.create('incidents', { Subject: 's', Status: 'Logged' })).toMatchObject({
      RecId: 'NEW1',
    });
  });

  it('creates a journal note on journal__notess with the defaults', async () => {
    const { client } = makeTestClient();
    let sent: unknown;
    nock(BASE)
      .post(`${ODATA}/journal__notess`, (body) => {
        sent = body;
        return true;
      })
      .reply(201, { RecId: 'N1', JournalType: 'Notes' });
    const note = await client.createNote({
      parentRecId: 'ABC123',
      subject: 'Routed',
      body: 'Moved to Web Team',
    });
    expect(note).toMatchObject({ RecId: 'N1' });
    expect(sent).toEqual({
      Subject: 'Routed',
      NotesBody: 'Moved to Web Team',
      Category: 'Memo',
      Source: 'Other',
      ParentLink_RecID: 'ABC123',
      ParentLink_Category: 'Incident',
      PublishToWeb: false,
    });
  });
});
