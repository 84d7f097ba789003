import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createParkedStore } from './parked-store.js';
import { createRetryStore } from './retry-store.js';
import { TICKETS_QUEUE } from './ticket-queue.js';

/** A worker connection BullMQ sees on the tickets queue (one per running replica's worker). */
export interface QueueWorkerSeen {
  /** Client name BullMQ gave the connection (prefix and queue name). */
  name: string;
  /** host:port the replica connects from. */
  addr: string;
  /** Seconds since the connection opened. */
  ageSeconds: number | null;
}

/** One recent failure: ticket id, when, and the error (HEAT's status and message; never ticket text). */
export interface RecentFailure {
  recId: string;
  at: string | null;
  attempts: number;
  reason: string;
}

/** How many failed jobs `status` lists (the newest first); the count of all is in `failed`. */
export const RECENT_FAILURES = 5;
const REASON_MAX_CHARS = 200;

/** The tickets queue as Redis holds it now (read-only). */
export interface TicketQueueStatus {
  waiting: number;
  /** Waiting jobs that carry a priority (BullMQ keeps them apart; counted in waiting too). */
  prioritized: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Tickets parked in the retry set (they go back into the queue on the next poll tick). */
  retrySet: number;
  /** Tickets parked because HEAT refused our configuration (re-driven on reload and by backfill). */
  parked: number;
  /** The newest failed jobs (at most RECENT_FAILURES), newest first. */
  recentFailures: RecentFailure[];
  workers: QueueWorkerSeen[];
}

export interface QueueStatusOptions {
  /** Used for the BullMQ reads and the retry set; the caller keeps and closes it. */
  redis: Redis;
  prefix: string;
  name?: string;
}

/**
 * Reads the tickets queue's counts, the retry set and the workers connected to it, writing nothing
 * (for `sbt-router status`). The Queue object it opens is closed before it returns.
 */
export async function readTicketQueueStatus(options: QueueStatusOptions): Promise<TicketQueueStatus> {
  const queue = new Queue(options.name ?? TICKETS_QUEUE, {
    connection: options.redis,
    prefix: options.prefix,
  });
  try {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
    const workers = await queue.getWorkers();
    const retrySet = await createRetryStore(options.redis, options.prefix).size();
    const parked = await createParkedStore(options.redis, options.prefix).size();
    const failedJobs = await queue.getFailed(0, RECENT_FAILURES - 1);
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      prioritized: c.prioritized ?? 0,
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
      retrySet,
      parked,
      recentFailures: failedJobs
        .filter((j) => j !== undefined && j !== null)
        .map((j) => ({
          recId: String((j.data as { recId?: unknown } | undefined)?.recId ?? j.id ?? '?'),
          at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
          attempts: j.attemptsMade,
          reason: String(j.failedReason ?? '').slice(0, REASON_MAX_CHARS),
        })),
      workers: workers.map((w) => ({
        name: String(w['name'] ?? ''),
        addr: String(w['addr'] ?? ''),
        ageSeconds: w['age'] !== undefined && !Number.isNaN(Number(w['age'])) ? Number(w['age']) : null,
      })),
    };
  } finally {
    await queue.close();
  }
}
