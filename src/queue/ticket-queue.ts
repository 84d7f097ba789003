import { oldestWaitingJobTimestamp } from './oldest-waiting-job.js';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { isBackfillJob, ticketJobSchema, type CarriedRecord, type TicketJob } from './job-schemas.js';

export const TICKETS_QUEUE = 'tickets';

export interface TicketQueueOptions {
  connection: Redis | ConnectionOptions;
  prefix: string;
  attempts: number;
  backoffMs: number;
  name?: string;
}

export interface EnqueueInput {
  recId: string;
  source: TicketJob['source'];
  lastModDateTime?: string;
  /** The ticket's fields the worker needs, at lastModDateTime (carriedRecordOf): it then skips its GET. */
  record?: CarriedRecord;
  /** When `record` was known to be current (ISO). */
  seenAt?: string;
}

/** BullMQ priority of backfill jobs: jobs without a priority (live work) are always taken first. */
const BACKFILL_PRIORITY = 10;

export interface EnqueueResult {
  jobId: string;
  deduplicated: boolean;
}

/** Redis is not reachable: the caller (a webhook) should answer 503 so that the sender retries. */
export class QueueUnavailableError extends Error {
  constructor(status: string) {
    super(`Redis is not reachable (connection ${status}); the job was not queued`);
    this.name = 'QueueUnavailableError';
  }
}

const READY_WAIT_MS = 1_000;

/** Waits briefly for a connection that is still opening; refuses at once one that is down. */
/**
 * Waits (at most a second) for a fail-fast connection that is still connecting: such a connection
 * refuses commands until it is ready, and a request arriving just after start-up must not get a 503
 * for that. A connection that is down throws QueueUnavailableError at once.
 */
export async function ensureReady(connection: unknown): Promise<void> {
  const conn = connection as {
    status?: string;
    once?: (e: string, f: () => void) => void;
    off?: (e: string, f: () => void) => void;
  };
  if (typeof conn.status !== 'string' || conn.status === 'ready') return;
  if (conn.status !== 'wait' && conn.status !== 'connecting' && conn.status !== 'connect') {
    throw new QueueUnavailableError(conn.status);
  }
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      conn.off?.('ready', onReady);
      reject(new QueueUnavailableError(conn.status ?? 'unknown'));
    }, READY_WAIT_MS);
    conn.once?.('ready', onReady);
  });
}

export interface TicketQueue {
  readonly queue: Queue;
  enqueue(input: EnqueueInput, now?: Date): Promise<EnqueueResult>;
  enqueueMany(inputs: readonly EnqueueInput[], now?: Date): Promise<number>;
  /** Jobs waiting (incl. prioritized) and active, and the age of the oldest waiting one (for readiness). */
  backlog(now?: Date): Promise<QueueBacklog>;
  /** Resolves true when no job is waiting, delayed or active; false after `timeoutMs`. */
  waitForIdle(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface QueueBacklog {
  waiting: number;
  active: number;
  oldestWaitingAgeMs: number | null;
}

/**
 * The "tickets" queue: one job per ticket change, deduplicated by RecId. `keepLastIfActive` means a
 * change that arrives while the same ticket is being processed is kept and runs after it (at most one
 * active and one waiting job per ticket, never two in parallel); webhook + poll collapse into one job. A
 * job may carry its ticket's fields (`record`); the worker's PATCH answer shows a newer save it missed.
 */
export function createTicketQueue(options: TicketQueueOptions): TicketQueue {
  const queue = new Queue(options.name ?? TICKETS_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      removeOnComplete: { count: 1000, age: 3600 },
      removeOnFail: { count: 5000, age: 7 * 86_400 },
    },
  });

  const toJob = (input: EnqueueInput, now: Date) => {
    const data: TicketJob = ticketJobSchema.parse({
      v: 1,
      recId: input.recId,
      source: input.source,
      ...(input.lastModDateTime ? { lastModDateTime: input.lastModDateTime } : {}),
      receivedAt: now.toISOString(),
      ...(input.record && input.lastModDateTime
        ? { record: input.record, seenAt: input.seenAt ?? now.toISOString() }
        : {}),
    });
    return {
      name: 'ticket',
      data,
      opts: {
        deduplication: { id: input.recId.toUpperCase(), keepLastIfActive: true },
        ...(isBackfillJob(data) ? { priority: BACKFILL_PRIORITY } : {}),
      },
    };
  };

  return {
    queue,
    async enqueue(input, now = new Date()) {
      // BullMQ's add waits for the connection to become ready; a producer must fail fast instead.
      await ensureReady(options.connection);
      const job = toJob(input, now);
      // Informational only (metrics, the webhook's answer): a racing add may make it stale.
      const existing = await queue.getDeduplicationJobId(job.opts.deduplication.id);
      const added = await queue.add(job.name, job.data, job.opts);
      return { jobId: added.id ?? '', deduplicated: existing !== null && existing === added.id };
    },
    async enqueueMany(inputs, now = new Date()) {
      if (inputs.length === 0) return 0;
      await queue.addBulk(inputs.map((i) => toJob(i, now)));
      return inputs.length;
    },
    async backlog(now = new Date()) {
      const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
      const oldest = await oldestWaitingJobTimestamp(queue);
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        oldestWaitingAgeMs: oldest === null ? null : now.getTime() - oldest,
      };
    },
    async waitForIdle(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
        if (Object.values(c).every((n) => n === 0)) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    },
    close: () => queue.close(),
  };
}
