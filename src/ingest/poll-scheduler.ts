import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/index.js';
import type { PollResult } from './poll-changed-tickets.js';

export const POLL_QUEUE = 'poll';
const SCHEDULER_ID = 'poll-changed-tickets';

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** The overlap lock lives this long unless renewed: a replica that dies mid-tick blocks polling for at most this. */
const LOCK_MS = 60_000;

export interface PollSchedulerOptions {
  connection: Redis | ConnectionOptions;
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
  const queue = new Queue(POLL_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { removeOnComplete: { count: 50 }, removeOnFail: { count: 200 }, attempts: 1 },
  });
  const lockKey = `${options.prefix}:poll:lock`;

  const worker = new Worker(
    POLL_QUEUE,
    async () => {
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
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 1, autorun: false },
  );
  let checkTimer: NodeJS.Timeout | undefined;
  const CHECK_EVERY_MS = Math.min(60_000, Math.max(options.intervalMs * 2, 5_000));
  const ensureScheduler = async (): Promise<void> => {
    if (await queue.getJobScheduler(SCHEDULER_ID)) return;
    await queue.upsertJobScheduler(SCHEDULER_ID, { every: options.intervalMs }, { name: 'poll', data: {} });
  };
  worker.on('failed', (_job, err) => {
    options.logger.warn('poll tick failed', { event: 'poll_failed', error: err.message });
  });
  return {
    queue,
    worker,
    async start() {
      await ensureScheduler();
      // A Redis that comes back empty (restarted without persistence, flushed, failed over to a
      // replica that lost it) has lost the scheduler too: put it back, so polling never stops for good.
      options.redis.on('ready', () => void ensureScheduler().catch(() => undefined));
      checkTimer = setInterval(() => void ensureScheduler().catch(() => undefined), CHECK_EVERY_MS);
      checkTimer.unref();
      worker.run().catch((err: unknown) =>
        options.logger.error('the poll worker stopped', {
          event: 'poll_worker_stopped',
          error: (err as Error).message,
        }),
      );
    },
    async stop(force = false) {
      if (checkTimer) clearInterval(checkTimer);
      await worker.close(force);
      await queue.close();
    },
  };
}
