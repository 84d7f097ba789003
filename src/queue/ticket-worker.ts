import { DelayedError, UnrecoverableError, Worker, type Job, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/index.js';
import { parseTicketJob, type TicketJob } from './job-schemas.js';
import { replicaName } from './replica-name.js';
import { TICKETS_QUEUE } from './ticket-queue.js';
import { coerceError } from '../domain/index.js';

export interface JobMeta {
  jobId: string;
  /** 1-based attempt number. */
  attempt: number;
}

/**
 * Thrown by a handler to put the job off until `untilMs` without spending an attempt (the HEAT budget
 * is used up, or HEAT asked us to back off): the job waits in the delayed set and runs again then.
 */
export class DeferJobError extends Error {
  constructor(
    readonly untilMs: number,
    readonly reason: string,
  ) {
    super(`job put off until ${new Date(untilMs).toISOString()}: ${reason}`);
    this.name = 'DeferJobError';
  }
}

export interface TicketWorkerOptions {
  connection: Redis | ConnectionOptions;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  logger: Logger;
  handler: (job: TicketJob, meta: JobMeta) => Promise<unknown>;
  /** Errors that retrying cannot fix (HEAT 400/401/403/404): the job fails at once. */
  isPermanent: (err: unknown) => boolean;
  /** Queue name (default 'tickets'). */
  name?: string;
  /** Stored on every job this worker processes (BullMQ's processedBy); default host:pid. */
  workerName?: string;
  autorun?: boolean;
}

/**
 * The BullMQ worker for ticket jobs. Payloads are parsed with the versioned schema (jobs outlive
 * deploys); a payload that does not parse, or a permanent HEAT error, fails the job without retries.
 */
export function createTicketWorker(options: TicketWorkerOptions): Worker {
  const processor = async (job: Job, token?: string) => {
    // A job taken over from a worker that died (stalled) is a retry too: the dead worker may have
    // written to HEAT before it died, so the handler must check before writing again.
    // BullMQ counts that restart in attemptsStarted (attemptsMade counts only failed attempts); a
    // deferral for the budget (DeferJobError) starts the job again without being a retry.
    const deferrals = typeof job.data?.deferrals === 'number' ? (job.data.deferrals as number) : 0;
    const meta: JobMeta = {
      jobId: job.id ?? '',
      attempt: Math.max(job.attemptsStarted - deferrals, job.attemptsMade + 1),
    };
    let data: TicketJob;
    try {
      data = parseTicketJob(job.data);
    } catch (err) {
      options.logger.error('job payload rejected', {
        event: 'job_invalid',
        jobId: meta.jobId,
        error: String(err),
      });
      throw new UnrecoverableError(`invalid ticket job payload: ${coerceError(err).message}`);
    }
    try {
      return await options.handler(data, meta);
    } catch (err) {
      if (err instanceof DeferJobError && token) {
        await job.updateData({ ...data, deferrals: deferrals + 1 });
        await job.moveToDelayed(err.untilMs, token);
        throw new DelayedError(err.message);
      }
      if (options.isPermanent(err)) {
        throw new UnrecoverableError(coerceError(err).message);
      }
      throw err;
    }
  };
  return new Worker(options.name ?? TICKETS_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    name: options.workerName ?? replicaName(),
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    maxStalledCount: 3,
    autorun: options.autorun ?? true,
  });
}
