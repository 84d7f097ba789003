import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  BackfillStopped,
  createRedisWaiter,
  isRedisUnavailable,
  type StopReason,
} from '../../../src/cli/commands/backfill-redis.js';

const OFFLINE = new Error("Stream isn't writeable and enableOfflineQueue options is false");

/** A connection whose status the test sets; PING answers only when it is ready. */
function fakeConnection() {
  const c = {
    status: 'ready',
    ping: async () => {
      if (c.status !== 'ready') throw new Error('Connection is closed.');
      return 'PONG';
    },
  };
  return c;
}

/** A waiter on a clock that moves only when the waiter sleeps (250 ms a poll). */
function waiter(
  options: { waitMs?: number; stop?: () => StopReason | null; onBack?: () => Promise<void> } = {},
) {
  const connection = fakeConnection();
  const said: string[] = [];
  let now = 0;
  const sleeps: Array<() => void> = [];
  const w = createRedisWaiter({
    connections: [connection as unknown as Redis],
    waitMs: options.waitMs ?? 10_000,
    monotonicMs: () => now,
    say: (line) => said.push(line),
    stopReason: options.stop ?? (() => null),
    ...(options.onBack ? { onBack: options.onBack } : {}),
    sleep: async (ms) => {
      now += ms;
      for (const f of sleeps.splice(0)) f();
    },
  });
  return { w, connection, said, at: (fn: () => void) => sleeps.push(fn), now: () => now };
}

describe('backfill: waiting out a Redis outage', () => {
  it('knows the errors of a Redis that is away from other errors', () => {
    expect(isRedisUnavailable(OFFLINE)).toBe(true);
    expect(
      isRedisUnavailable(new Error('Reached the max retries per request limit (which is 1). Refer to ...')),
    ).toBe(true);
    expect(isRedisUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:6390'))).toBe(true);
    expect(isRedisUnavailable(new Error('HEAT answered 400'))).toBe(false);
  });

  it('says it waits, waits until every connection answers, says it is back, runs onBack once, retries the step', async () => {
    let backs = 0;
    const t = waiter({ onBack: async () => void backs++ });
    let calls = 0;
    t.connection.status = 'reconnecting';
    // Redis answers again after the fourth poll (1 s).
    let polls = 0;
    const tick = () => {
      polls++;
      if (polls === 4) t.connection.status = 'ready';
      else t.at(tick);
    };
    t.at(tick);
    const result = await t.w.run('queueing tickets', async () => {
      calls++;
      if (calls === 1) throw OFFLINE;
      return 'queued';
    });
    expect(result).toBe('queued');
    expect(calls).toBe(2);
    expect(backs).toBe(1);
    expect(t.w.outages()).toBe(1);
    expect(t.said).toEqual([
      "Redis is unreachable while queueing tickets (Stream isn't writeable and enableOfflineQueue options is false); waiting up to 10 s for it to come back (--redis-wait). Queued jobs stay queued in Redis.",
      'Redis is back after 1.0 s; resuming the backfill.',
    ]);
  });

  it('gives up after --redis-wait with BackfillStopped("redis")', async () => {
    const t = waiter({ waitMs: 2_000 });
    t.connection.status = 'reconnecting';
    const err = await t.w
      .run('waiting for the queue', () => Promise.reject(OFFLINE))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackfillStopped);
    expect((err as BackfillStopped).reason).toBe('redis');
    expect(t.said[1]).toBe('Redis did not come back within 2 s; stopping the backfill.');
    expect(t.now()).toBe(2_250);
  });

  it('ends the wait when the backfill is told to stop (timeout, Ctrl-C)', async () => {
    let reason: StopReason | null = null;
    const t = waiter({ stop: () => reason });
    t.connection.status = 'reconnecting';
    t.at(() => (reason = 'interrupted'));
    const err = await t.w.run('counting tickets', () => Promise.reject(OFFLINE)).catch((e: unknown) => e);
    expect((err as BackfillStopped).reason).toBe('interrupted');
  });

  it('passes other errors through at once', async () => {
    const t = waiter();
    const err = await t.w
      .run('x', () => Promise.reject(new Error('HEAT answered 400')))
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('HEAT answered 400');
    expect(t.said).toEqual([]);
  });
});
