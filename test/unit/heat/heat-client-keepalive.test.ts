import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AXIOS_SOCKET_KEEPALIVE_MS } from '../../../src/heat/create-heat-client.js';
import { makeTestClient } from './test-heat-client.js';

let server: http.Server | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('HEAT client keep-alive sockets', () => {
  it('asks for one TCP keep-alive delay only (axios and the agent agree), so a reused socket costs no setsockopt', async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"RecId":"A1"}');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/HEAT/`;
    const setKeepAlive = vi.spyOn(net.Socket.prototype, 'setKeepAlive');
    const { client } = makeTestClient({ baseUrl: url, maxConcurrency: 1 });
    for (let i = 0; i < 3; i += 1) expect((await client.getByRecId('incidents', 'A1')).RecId).toBe('A1');
    client.close();
    // Node skips the system call when the value is the one already set: every request asks for the same.
    const delays = new Set(setKeepAlive.mock.calls.map(([enable, ms]) => `${String(enable)}:${String(ms)}`));
    expect([...delays]).toEqual([`true:${AXIOS_SOCKET_KEEPALIVE_MS}`]);
    expect(setKeepAlive.mock.calls.length).toBeGreaterThanOrEqual(3);
  });
});
