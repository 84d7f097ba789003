import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
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
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      prioritized: c.prioritized ?? 0,
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
      retrySet,
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
