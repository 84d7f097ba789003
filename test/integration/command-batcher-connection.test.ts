import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { commandBatcherFor } from '../../src/queue/index.js';

// The batcher of a shared connection sends on a duplicate of it: scripts registered on the shared
// connection (BullMQ's) are not copied into its pipelines, and the duplicate closes with the shared one.

const probe = new Redis(inject('redisUrl'));
afterAll(async () => {
  await probe.quit();
});

/** Names of the clients Redis sees connected under `name`. */
async function clientsNamed(name: string): Promise<number> {
  const list = (await probe.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

async function waitFor(condition: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('command batcher connection', () => {
  it('batches on a connection of its own holding only its scripts, closed when the shared one quits', async () => {
    const name = `batcher-test-${randomUUID().slice(0, 8)}`;
    const shared = new Redis(inject('redisUrl'), { connectionName: name });
    // A script registered on the shared connection, as BullMQ registers its own there.
    shared.defineCommand('sharedOnlyScript', { numberOfKeys: 0, lua: 'return 1' });
    const batch = commandBatcherFor(shared);
    batch.defineCommand('batcherEcho', { numberOfKeys: 1, lua: "return redis.call('GET', KEYS[1])" });
    const key = `batcher-test:${randomUUID()}`;

    const answers = await Promise.all([
      batch.run<string>((p) => p.set(key, 'v1')),
      batch.run<string | null>((p) => p.get(key)),
      batch.run<string | null>((p) => (p as unknown as { batcherEcho(k: string): unknown }).batcherEcho(key)),
    ]);
    expect(answers).toEqual(['OK', 'v1', 'v1']);
    // Alone in its turn: sent without a pipeline, on the same connection.
    expect(
      await batch.run<string | null>((p) =>
        (p as unknown as { batcherEcho(k: string): unknown }).batcherEcho(key),
      ),
    ).toBe('v1');
    expect(await clientsNamed(name)).toBe(2);
    // The shared connection's pipelines carry its script; the batcher's (and its connection) do not.
    const sharedPipeline = shared.pipeline() as unknown as Record<string, unknown>;
    expect(typeof sharedPipeline['sharedOnlyScript']).toBe('function');
    const seen: string[] = [];
    const look = (p: unknown): void => {
      seen.push(typeof (p as Record<string, unknown>)['sharedOnlyScript']);
    };
    await Promise.all([batch.run((p) => (look(p), p.get(key))), batch.run((p) => (look(p), p.get(key)))]);
    await batch.run((p) => (look(p), p.get(key)));
    expect(seen).toEqual(['undefined', 'undefined', 'undefined']);

    await shared.quit();
    await waitFor(async () => (await clientsNamed(name)) === 0);
    expect(await clientsNamed(name)).toBe(0);
    // After the shared connection ended, a command fails as it did on the shared connection.
    await expect(batch.run((p) => p.get(key))).rejects.toThrow('Connection is closed.');
    await probe.del(key);
  });
});
