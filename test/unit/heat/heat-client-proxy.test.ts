import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestClient } from './test-heat-client.js';

/**
 * A district may reach HEAT only through its web proxy: the client honours the usual variables
 * (axios reads them for each request). HTTP_PROXY and HTTPS_PROXY are used, NO_PROXY is respected.
 * (Deciding once per client with axios' `proxy: false` was measured: no CPU saved, about 50 MB more
 * peak RSS; see docs/heat-client.md.)
 */

const PROXY_VARS = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];
const saved = new Map(PROXY_VARS.map((name) => [name, process.env[name]]));
const servers: http.Server[] = [];

afterEach(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function setProxyEnv(vars: Record<string, string>): void {
  for (const name of PROXY_VARS) delete process.env[name];
  Object.assign(process.env, vars);
}

interface Seen {
  /** Request lines as received: an absolute URL when the server is used as a proxy. */
  requests: string[];
  /** CONNECT targets (host:port), an HTTPS request through the proxy. */
  connects: string[];
}

/** A local server that answers every request with the record `{ RecId: 'A1' }` and refuses CONNECT. */
async function startServer(): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { requests: [], connects: [] };
  const server = http.createServer((req, res) => {
    seen.requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ RecId: 'A1' }));
  });
  server.on('connect', (req, socket) => {
    seen.connects.push(req.url ?? '');
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('HEAT client and the proxy environment', () => {
  it('sends an http HEAT URL through HTTP_PROXY (absolute-URI request to the proxy)', async () => {
    const proxy = await startServer();
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const { client } = makeTestClient({ baseUrl: 'http://heat.proxied.test/HEAT/' });
    const record = await client.getByRecId('incidents', 'A1');
    expect(record.RecId).toBe('A1');
    expect(proxy.seen.requests).toEqual([
      "http://heat.proxied.test/HEAT/api/odata/businessobject/incidents('A1')",
    ]);
    client.close();
  });

  it('tunnels an https HEAT URL through HTTPS_PROXY (CONNECT to the HEAT host)', async () => {
    const proxy = await startServer();
    setProxyEnv({ HTTPS_PROXY: proxy.url });
    const { client } = makeTestClient({
      baseUrl: 'https://heat.proxied.test/HEAT/',
      retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    // The proxy refuses the tunnel: the call fails, having gone to the proxy and nowhere else.
    await expect(client.getByRecId('incidents', 'A1')).rejects.toThrow();
    expect(proxy.seen.connects).toEqual(['heat.proxied.test:443']);
    expect(proxy.seen.requests).toEqual([]);
    client.close();
  });

  it('goes straight to HEAT when NO_PROXY names its host, although HTTP_PROXY is set', async () => {
    const proxy = await startServer();
    const heat = await startServer();
    setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    const { client } = makeTestClient({ baseUrl: `${heat.url}/HEAT/` });
    const record = await client.getByRecId('incidents', 'A1');
    expect(record.RecId).toBe('A1');
    expect(heat.seen.requests).toEqual(["/HEAT/api/odata/businessobject/incidents('A1')"]);
    expect(proxy.seen.requests).toEqual([]);
    expect(proxy.seen.connects).toEqual([]);
    client.close();
  });

  it('goes straight to HEAT without any proxy variable', async () => {
    const heat = await startServer();
    setProxyEnv({});
    const { client } = makeTestClient({ baseUrl: `${heat.url}/HEAT/` });
    expect((await client.getByRecId('incidents', 'A1')).RecId).toBe('A1');
    expect(heat.seen.requests).toEqual(["/HEAT/api/odata/businessobject/incidents('A1')"]);
    client.close();
  });
});
