import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/http/index.js';
import { createMetrics, createSilentLogger } from '../../../src/observability/index.js';

const TIMEOUT_MS = 1_000;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

function server(extra: { metricsToken?: string } = {}) {
  const built = createHttpServer({
    logger: createSilentLogger(),
    metrics: createMetrics(),
    config: {
      bodyLimitBytes: 65_536,
      signatureWindowSeconds: 300,
      webhookToken: 'token-0123456789abcdef',
      requestTimeoutMs: TIMEOUT_MS,
      ...extra,
    },
    enqueueTicket: async () => ({ jobId: '1', deduplicated: false }),
    resolveIncidentNumber: async () => null,
    readiness: async () => ({ ready: true }) as never,
  });
  closers.push(() => built.close());
  return built;
}

/** Sends headers and half the body, then waits; resolves with the first line answered and when. */
function halfBody(port: number): Promise<{ statusLine: string; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    // The bound of the assertion below: anything later is a failure, not a longer wait.
    const giveUp = setTimeout(() => socket.destroy(), TIMEOUT_MS + 1_000);
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ statusLine: received.split('\r\n')[0] ?? '', elapsedMs: Date.now() - started });
    });
    socket.write(
      'POST /webhooks/heat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n' +
        'X-SBT-Token: token-0123456789abcdef\r\nContent-Length: 60\r\n\r\n{"RecId":"0A8C2F1B',
    );
  });
}

describe('slow or short request bodies', () => {
  it('a body shorter than its Content-Length gets 408 within the request timeout', async () => {
    const built = server();
    await built.listen(0, '127.0.0.1');
    const address = built.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    const { statusLine, elapsedMs } = await halfBody(address.port);
    expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 1_000);
  });
});

describe('listening address', () => {
  it('reports the address actually bound, not a loopback guess', async () => {
    const built = server();
    const url = await built.listen(0, '0.0.0.0');
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const local = server();
    expect(await local.listen(0, '127.0.0.1')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('METRICS_TOKEN', () => {
  it('opens /metrics alone', async () => {
    const { app } = server({ metricsToken: 'metrics-token-0123456789' });
    const ok = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(ok.statusCode).toBe(200);
    const anonymous = await app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
  });
});
