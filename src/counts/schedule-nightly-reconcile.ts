import type { Redis } from 'ioredis';
import type { ServiceConfig } from '../config/index.js';

import type { Deadline, Logger } from '../observability/index.js';
import { createScheduledJob, type ScheduledJob } from '../queue/index.js';
import { coerceError } from '../domain/index.js';

/** Queue of the nightly reconcile; its scheduler makes exactly one replica run it each night. */
export const COUNTS_QUEUE = 'counts';
const RECONCILE_SCHEDULER_ID = 'counts-nightly-reconcile';

export interface NightlyReconcileOptions {
  /** The counts connection; the schedule runs on a duplicate (BullMQ wants maxRetriesPerRequest: null). */
  redis: Redis;
  prefix: string;
  counts: Pick<ServiceConfig['counts'], 'reconcileCron' | 'timeZone'>;
  /** The nightly run; its result is kept by BullMQ (a summary). */
  run: () => Promise<unknown>;
  logger: Logger;
  onError: (source: string) => (err: Error) => void;
}

export interface NightlySchedule {
  /** Resolves once the scheduler is registered, or once cancel() ends the set-up. */
  readonly ready: Promise<void>;
  /** Ends the set-up (its wait for Redis or before a retry) at once. */
  cancel(): void;
  /** Closes the queue and worker within `deadline`, then disconnects (pending work stays in Redis). */
  close(deadline: Deadline): Promise<void>;
}

/**
 * Creates the nightly reconcile's queue and worker once Redis is ready, then registers the job
 * scheduler, retrying with backoff (1 s doubling to 30 s) until it succeeds or cancel() is called.
 * BullMQ objects created while Redis is away wait for it without end, and their close() too
 * (ioredis emits no 'end' for a connection between reconnect attempts), so they are made only once
 * the connection is up. Never rejects: failures are logged.
 */
export function scheduleNightlyReconcile(options: NightlyReconcileOptions): NightlySchedule {
  const { logger, onError } = options;
  const connection = options.redis.duplicate({ maxRetriesPerRequest: null });
  connection.on('error', onError('redis-counts'));
  let cancelled = false;
  let job: ScheduledJob | undefined;
  let wake: (() => void) | undefined;

  /** Waits for `ms`, or for the connection to be ready; cancel() ends the wait. */
  const waitFor = (what: { ms: number } | { ready: true }): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = () => {
        wake = undefined;
        clearTimeout(delay);
        if ('ready' in what) connection.off('ready', done);
        resolve();
      };
      const delay = setTimeout(done, 'ms' in what ? what.ms : 2 ** 31 - 1);
      delay.unref();
      if ('ready' in what) connection.once('ready', done);
      wake = done;
    });

  const setUp = async (): Promise<void> => {
    while (!cancelled && connection.status !== 'ready') await waitFor({ ready: true });
    if (cancelled) return;
    const scheduled = createScheduledJob({
      queueName: COUNTS_QUEUE,
      schedulerId: RECONCILE_SCHEDULER_ID,
      connection,
      prefix: options.prefix,
      repeat: { pattern: options.counts.reconcileCron, tz: options.counts.timeZone },
      job: {
        name: 'reconcile',
        data: { v: 1 },
        opts: { removeOnComplete: 50, removeOnFail: 50, attempts: 3 },
      },
      run: options.run,
      onCheckError: onError('counts-scheduler'),
    });
    job = scheduled;
    scheduled.queue.on('error', onError('counts-queue'));
    scheduled.worker.on('error', onError('counts-worker'));
    scheduled.worker.on('failed', (failed, err) =>
      logger.error('nightly reconcile failed', {
        jobId: failed?.id,
        attempt: failed?.attemptsMade,
        error: err.message,
      }),
    );
    for (let attempt = 0; !cancelled; attempt++) {
      try {
        await scheduled.ensure();
        scheduled.keepScheduled();
        return;
      } catch (err) {
        if (cancelled) return;
        onError('counts-scheduler')(coerceError(err));
        await waitFor({ ms: Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)) });
      }
    }
  };

  const ready = setUp().catch((err: unknown) => {
    logger.error('nightly reconcile could not be scheduled', { error: coerceError(err).message });
  });
  return {
    ready,
    cancel() {
      cancelled = true;
      wake?.();
    },
    async close(deadline) {
      const closing = job?.close() ?? Promise.resolve();
      // With Redis away, BullMQ's close() waits for it; give up when the budget is spent.
      if (!(await deadline.within(closing))) {
        logger.warn('counts queue did not close in time (is Redis away?); disconnecting', {
          ms: deadline.totalMs,
        });
        closing.catch(() => undefined);
      }
      connection.disconnect();
    },
  };
}
