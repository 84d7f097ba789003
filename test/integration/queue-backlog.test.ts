import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  createRedisConnection,
  createTicketQueue,
  oldestWaitingJobTimestamp,
  type TicketQueue,
} from '../../src/queue/index.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0)
    await cleanups
      .pop()?.()
      .catch(() => undefined);
});

function ticketQueue(): TicketQueue {
  const prefix = `{sbt-backlog-${randomBytes(4).toString('hex')}}`;
  const connection = createRedisConnection(inject('redisUrl'), 'producer');
  const tickets = createTicketQueue({ connection, prefix, attempts: 1, backoffMs: 10 });
  cleanups.push(async () => {
    await tickets.queue.obliterate({ force: true });
    await tickets.close();
    connection.disconnect();
  });
  return tickets;
}

const NOW = Date.parse('2026-11-03T12:00:00Z');
const job = (recId: string, source: 'poll' | 'backfill') => ({
  v: 1,
  recId,
  source,
  receivedAt: new Date(NOW).toISOString(),
});

describe('the queue backlog (readiness and the oldest-waiting gauge) counts prioritized jobs as waiting', () => {
  it('a backfill job (prioritized set) older than every live job (waiting list) gives the oldest age', async () => {
    const tickets = ticketQueue();
    // Timestamps pinned through BullMQ's own job option: the ages below are exact.
    await tickets.queue.add('ticket', job('B1', 'backfill'), { priority: 10, timestamp: NOW - 600_000 });
    await tickets.queue.add('ticket', job('B2', 'backfill'), { priority: 10, timestamp: NOW - 500_000 });
    await tickets.queue.add('ticket', job('L1', 'poll'), { timestamp: NOW - 30_000 });
    expect(await tickets.backlog(new Date(NOW))).toEqual({
      waiting: 3,
      active: 0,
      oldestWaitingAgeMs: 600_000,
    });
    expect(await oldestWaitingJobTimestamp(tickets.queue)).toBe(NOW - 600_000);
  });

  it('only prioritized jobs waiting: counted and aged (the waiting list alone would say none waits)', async () => {
    const tickets = ticketQueue();
    await tickets.enqueueMany(
      [{ recId: '0A8C2F1B3D4E5F60718293A4B5C6D7E8', source: 'backfill' }],
      new Date(NOW),
    );
    expect(await tickets.queue.getJobCounts('waiting', 'prioritized')).toEqual({
      waiting: 0,
      prioritized: 1,
    });
    const [queued] = await tickets.queue.getPrioritized(0, 0);
    const backlog = await tickets.backlog(new Date(queued!.timestamp + 45_000));
    expect(backlog).toEqual({ waiting: 1, active: 0, oldestWaitingAgeMs: 45_000 });
  });

  it('a live job older than the backfill jobs gives its age; nothing waiting gives null', async () => {
    const tickets = ticketQueue();
    expect(await tickets.backlog(new Date(NOW))).toEqual({ waiting: 0, active: 0, oldestWaitingAgeMs: null });
    await tickets.queue.add('ticket', job('L2', 'poll'), { timestamp: NOW - 90_000 });
    await tickets.queue.add('ticket', job('B4', 'backfill'), { priority: 10, timestamp: NOW - 20_000 });
    expect((await tickets.backlog(new Date(NOW))).oldestWaitingAgeMs).toBe(90_000);
  });
});
