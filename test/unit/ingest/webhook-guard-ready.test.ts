import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createWebhookGuardStore } from '../../../src/ingest/index.js';
import { QueueUnavailableError } from '../../../src/queue/index.js';

/** A fail-fast connection as ioredis has it: commands refused until the status is 'ready'. */
function fakeConnection(status: string) {
  const conn = new EventEmitter() as EventEmitter & { status: string; set: () => Promise<string> };
  conn.status = status;
  conn.set = () =>
    conn.status === 'ready'
      ? Promise.resolve('OK')
      : Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
  return conn;
}

describe('webhook guard store on a fail-fast connection', () => {
  it('waits for a connection still connecting at start-up instead of failing the request', async () => {
    const conn = fakeConnection('connecting');
    const store = createWebhookGuardStore(conn as unknown as Redis, '{t}');
    const claimed = store.claimSignature('ab12', 300);
    setImmediate(() => {
      conn.status = 'ready';
      conn.emit('ready');
    });
    await expect(claimed).resolves.toBe(true);
  });

  it('refuses at once when the connection is down (the webhook then answers 503)', async () => {
    const store = createWebhookGuardStore(fakeConnection('reconnecting') as unknown as Redis, '{t}');
    const err = await store.claimSignature('ab12', 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueUnavailableError);
  });
});
