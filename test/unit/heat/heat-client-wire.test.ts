import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJsonAnswer } from '../../../src/heat/create-heat-client.js';
import { HeatApiError } from '../../../src/heat/index.js';
import { makeTestClient } from './test-heat-client.js';

// What the client puts on the wire and how it reads answers, against a real local server (nock would
// stand in for the http adapter's own encoding and decompression, which is what these pin).

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(
  answer: (req: Seen, res: http.ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const one = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(one);
      answer(one, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/HEAT/`, seen };
}

describe('HEAT client on the wire', () => {
  it('sends a PATCH body as JSON with its content type and length, and a GET without either', async () => {
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"RecId":"A1","OwnerTeam":"District IT"}');
    });
    const { client } = makeTestClient({ baseUrl: url, maxConcurrency: 1 });
    const fields = { OwnerTeam: 'District IT', Note: 'caf\u00e9 "quoted"' };
    expect((await client.update('incidents', 'A1', fields)).OwnerTeam).toBe('District IT');
    expect((await client.getByRecId('incidents', 'A1')).RecId).toBe('A1');
    client.close();

    expect(seen.map((s) => s.method)).toEqual(['PATCH', 'GET']);
    const [patch, get] = seen;
    expect(JSON.parse(patch!.body)).toEqual(fields);
    expect(patch!.headers['content-type']).toBe('application/json');
    expect(patch!.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(fields))));
    expect(patch!.headers['accept']).toBe('application/json');
    expect(patch!.headers['authorization']).toBe('rest_api_key=KEY-0123456789ABCDEF');
    expect(get!.body).toBe('');
    expect(get!.headers['content-type']).toBeUndefined();
    expect(get!.headers['accept']).toBe('application/json');
    expect(get!.headers['authorization']).toBe('rest_api_key=KEY-0123456789ABCDEF');
  });

  it('reads a gzip-compressed answer and a JSON answer served as text/plain', async () => {
    let n = 0;
    const { url, seen } = await serve((_req, res) => {
      n += 1;
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync('{"RecId":"G1","Subject":"zipped"}'));
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('{"RecId":"T1"}');
      }
    });
    const { client } = makeTestClient({ baseUrl: url, maxConcurrency: 1 });
    expect(await client.getByRecId('incidents', 'G1')).toEqual({ RecId: 'G1', Subject: 'zipped' });
    expect(await client.getByRecId('incidents', 'T1')).toEqual({ RecId: 'T1' });
    client.close();
    expect(seen[0]!.headers['accept-encoding']).toContain('gzip');
  });

  it('keeps an answer that is not JSON as text in the error (an HTML error page)', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end('<html><body>Bad &amp; wrong</body></html>');
    });
    const { client } = makeTestClient({ baseUrl: url, maxConcurrency: 1 });
    const err = await client.getByRecId('incidents', 'H1').catch((e: unknown) => e);
    client.close();
    expect(err).toBeInstanceOf(HeatApiError);
    expect((err as HeatApiError).status).toBe(400);
    expect((err as HeatApiError).messages).toEqual(['<html><body>Bad & wrong</body></html>']);
  });

  it('parses answers as axios does with silent JSON parsing', () => {
    expect(parseJsonAnswer('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonAnswer('"sid#2"')).toBe('sid#2');
    expect(parseJsonAnswer('not json')).toBe('not json');
    expect(parseJsonAnswer('')).toBe('');
    expect(parseJsonAnswer(undefined)).toBeUndefined();
  });
});
