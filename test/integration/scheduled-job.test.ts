import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createScheduledJob, type ScheduledJob } from '../../src/queue/index.js';
import { waitFor } from '../support/cli-process.js';
import { deletePrefix } from '../support/delete-prefix.js';

const redisUrl = inject('redisUrl');

describe('createScheduledJob', () => {
  let job: ScheduledJob | undefined;
  let connection: Redis | undefined;
  let prefix = '';
  afterEach(async () => {
    await job?.close(true);
    if (connection) await deletePrefix(connection, prefix);
    connection?.disconnect();
  });

  function make(repeat: { every: number } | { pattern: string; tz?: string }, errors: Error[] = []) {
    return createScheduledJob({
      queueName: 'nightly',
      schedulerId: 'nightly-job',
      connection: connection!,
      prefix,
      repeat,
      job: { name: 'run', data: { v: 1 } },
      autorun: false,
      run: async () => 'ran',
      onCheckError: (err) => errors.push(err),
    });
  }

  async function start(repeat: { every: number } | { pattern: string; tz?: string }): Promise<ScheduledJob> {
    prefix = `{sched-${Math.random().toString(36).slice(2, 8)}}`;
    connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    job = make(repeat);
    await job.ensure();
    return job;
  }

  it('registers the scheduler once, and again when the repeat settings change', async () => {
    const first = await start({ pattern: '0 2 * * *', tz: 'America/Chicago' });
    const stored = await first.queue.getJobScheduler('nightly-job');
    expect(stored?.pattern).toBe('0 2 * * *');
    expect(stored?.tz).toBe('America/Chicago');

    await first.ensure();
    expect(await first.queue.getJobSchedulersCount()).toBe(1);

    await first.close(true);
    job = make({ pattern: '30 3 * * *', tz: 'America/Chicago' });
    await job.ensure();
    expect((await job.queue.getJobScheduler('nightly-job'))?.pattern).toBe('30 3 * * *');
    expect(await job.queue.getJobSchedulersCount()).toBe(1);
  });

  it('puts the scheduler back after a reconnect to a Redis that lost it', async () => {
    const scheduled = await start({ every: 60_000 });
    scheduled.keepScheduled();
    expect(await deletePrefix(connection!, prefix)).toBeGreaterThan(0);
    expect(await scheduled.queue.getJobScheduler('nightly-job')).toBeUndefined();

    // The same connection drops and comes back (as after a Redis restart without persistence).
    connection!.disconnect(true);
    const back = await waitFor(
      async () => (await scheduled.queue.getJobScheduler('nightly-job'))?.every === 60_000,
      10_000,
      100,
    );
    expect(back).toBe(true);
  });
});
