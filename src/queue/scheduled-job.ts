import { Queue, Worker, type DefaultJobOptions, type JobSchedulerTemplateOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { replicaName } from './replica-name.js';

/** When the job runs: every N ms, or on a cron pattern in a time zone. */
export type ScheduleRepeat = { every: number } | { pattern: string; tz?: string };

export interface ScheduledJobOptions<R> {
  /** Queue name (one queue per scheduled job). */
  queueName: string;
  schedulerId: string;
  /** A connection with maxRetriesPerRequest: null; its 'ready' events drive the re-check. */
  connection: Redis;
  prefix: string;
  repeat: ScheduleRepeat;
  job: { name: string; data: Record<string, unknown>; opts?: JobSchedulerTemplateOptions };
  defaultJobOptions?: DefaultJobOptions;
  /** Default true; false: call worker.run() yourself. */
  autorun?: boolean;
  /** Also re-check this often (besides every reconnect); default: only on reconnect. */
  checkEveryMs?: number;
  run: () => Promise<R>;
  /** Where a failed background re-check goes (a throttled error log). */
  onCheckError: (err: Error) => void;
}

export interface ScheduledJob {
  readonly queue: Queue;
  readonly worker: Worker;
  /** Registers the scheduler unless Redis already holds it with the same repeat settings. */
  ensure(): Promise<void>;
  /**
   * From now on, put the scheduler back after every reconnect (and every checkEveryMs): a Redis that
   * comes back empty (restarted without persistence, flushed, failed over to a replica that lost it)
   * has lost the scheduler too, and the job must never stop for good.
   */
  keepScheduled(): void;
  /** Stops the re-checks and closes the worker (waiting for a running job unless `force`) and queue. */
  close(force?: boolean): Promise<void>;
}

function sameRepeat(
  stored: { every?: number; pattern?: string; tz?: string },
  wanted: ScheduleRepeat,
): boolean {
  if ('every' in wanted) return Number(stored.every) === wanted.every;
  return stored.pattern === wanted.pattern && (stored.tz ?? undefined) === wanted.tz;
}

/**
 * One BullMQ job scheduler with its queue and worker: with any number of replicas exactly one job
 * exists per due time and one worker takes it. The poller and the nightly counts reconcile both use
 * it, so they handle a Redis that lost its data the same way.
 */
export function createScheduledJob<R>(options: ScheduledJobOptions<R>): ScheduledJob {
  const { connection, prefix } = options;
  const queue = new Queue(options.queueName, {
    connection,
    prefix,
    ...(options.defaultJobOptions ? { defaultJobOptions: options.defaultJobOptions } : {}),
  });
  const worker = new Worker(options.queueName, () => options.run(), {
    connection,
    prefix,
    // Which replica ran each tick (BullMQ's processedBy): with any number of replicas, one per tick.
    name: replicaName(),
    concurrency: 1,
    autorun: options.autorun ?? true,
  });
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const ensure = async (): Promise<void> => {
    const stored = await queue.getJobScheduler(options.schedulerId);
    if (stored && sameRepeat(stored, options.repeat)) return;
    await queue.upsertJobScheduler(options.schedulerId, options.repeat, options.job);
  };
  const recheck = () => {
    if (closed) return;
    ensure().catch((err: unknown) =>
      options.onCheckError(err instanceof Error ? err : new Error(String(err))),
    );
  };
  return {
    queue,
    worker,
    ensure,
    keepScheduled() {
      connection.on('ready', recheck);
      if (options.checkEveryMs) {
        timer = setInterval(recheck, options.checkEveryMs);
        timer.unref();
      }
    },
    async close(force = false) {
      closed = true;
      if (timer) clearInterval(timer);
      connection.off('ready', recheck);
      await worker.close(force);
      await queue.close();
    },
  };
}
