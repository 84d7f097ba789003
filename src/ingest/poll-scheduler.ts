import { randomUUID } from 'node:crypto';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

import type { Logger } from '../observability/index.js';
import { createScheduledJob } from '../queue/index.js';
import type { PollResult } from './poll-changed-tickets.js';
import { coerceError } from '../domain/index.js';

export const POLL_QUEUE = 'poll';
const SCHEDULER_ID = 'poll-changed-tickets';

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** The overlap lock lives this long unless renewed: a replica that dies mid-tick blocks polling for at most this. */
const LOCK_MS = 60_000;

export interface PollSchedulerOptions {
  /** The BullMQ connection (maxRetriesPerRequest: null); its reconnects re-check the scheduler. */
  connection: Redis;
  /** Used for the overlap lock (SET NX PX). */
  redis: Redis;
  prefix: string;
  intervalMs: number;
  logger: Logger;
  tick: () => Promise<PollResult>;
  onTick?: (result: PollResult) => void;
}

export interface PollScheduler {
  start(): Promise<void>;
  /** Waits for a running tick unless `force`. */
  stop(force?: boolean): Promise<void>;
  readonly worker: Worker;
  readonly queue: Queue;
}

/**
 * The poll tick is a BullMQ job scheduler: with any number of replicas exactly one poll job exists
 * per interval and one worker takes it; a Redis lock also keeps two slow ticks from overlapping.
 */
export function createPollScheduler(options: PollSchedulerOptions): PollScheduler {
  const lockKey = `${options.prefix}:poll:lock`;
  const runTick = async (): Promise<PollResult | { skipped: string }> => {
    const token = randomUUID();
    const got = await options.redis.set(lockKey, token, 'PX', LOCK_MS, 'NX');
    if (got !== 'OK') return { skipped: 'another poll is running' };
    // A long tick (a large backlog) keeps its lock alive; a dead one lets it lapse within LOCK_MS.
    const renew = setInterval(() => {
      options.redis.eval(RENEW_SCRIPT, 1, lockKey, token, String(LOCK_MS)).catch(() => undefined);
    }, LOCK_MS / 3);
    renew.unref();
    try {
      const result = await options.tick();
      options.onTick?.(result);
      return result;
    } finally {
      clearInterval(renew);
      await options.redis.eval(RELEASE_SCRIPT, 1, lockKey, token);
    }
  };
  const job = createScheduledJob({
    queueName: POLL_QUEUE,
    schedulerId: SCHEDULER_ID,
    connection: options.connection,
    prefix: options.prefix,
    repeat: { every: options.intervalMs },
    job: { name: 'poll', data: {} },
    defaultJobOptions: { removeOnComplete: { count: 50 }, removeOnFail: { count: 200 }, attempts: 1 },
    autorun: false,
    checkEveryMs: Math.min(60_000, Math.max(options.intervalMs * 2, 5_000)),
    run: runTick,
    onCheckError: () => undefined,
  });
  job.worker.on('failed', (_job, err) => {
    options.logger.warn('poll tick failed', { event: 'poll_failed', error: err.message });
  });
  return {
    queue: job.queue,
    worker: job.worker,
    async start() {
      await job.ensure();
      job.keepScheduled();
      job.worker.run().catch((err: unknown) =>
        options.logger.error('the poll worker stopped', {
          event: 'poll_worker_stopped',
          error: coerceError(err).message,
        }),
      );
    },
    stop: (force = false) => job.close(force),
  };
}
