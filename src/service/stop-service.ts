import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CountsService } from '../counts/index.js';
import type { HeatClient } from '../heat/index.js';
import type { PollScheduler } from '../ingest/index.js';
import type { Deadline, Logger } from '../observability/index.js';
import type { TicketQueue } from '../queue/index.js';

export interface StoppableParts {
  scheduler: PollScheduler | null;
  worker: Worker;
  counts: CountsService | null;
  queue: TicketQueue;
  heat: HeatClient;
  redis: Redis;
  producer: Redis;
}

/**
 * Drains within the shutdown budget, then closes everything. The poll tick, active jobs and the counts
 * flush share the budget less the last tenth (at most 2 s), which is kept for closing the worker by
 * force when they did not finish (its jobs are retried by another replica).
 */
export async function stopService(parts: StoppableParts, deadline: Deadline, logger: Logger): Promise<void> {
  const { scheduler, worker, counts } = parts;
  const drain = async () => {
    await scheduler?.stop().catch(() => undefined);
    await worker.close();
    await counts?.stop(deadline).catch(() => undefined);
  };
  const drained = await deadline.within(drain(), { reserveMs: Math.min(2_000, deadline.totalMs / 10) });
  if (!drained) {
    logger.warn('shutdown deadline passed; forcing', {
      event: 'shutdown_forced',
      deadlineMs: deadline.totalMs,
    });
    await deadline.within(Promise.all([worker.close(true), scheduler?.stop(true)])).catch(() => undefined);
  }
  await parts.queue.close().catch(() => undefined);
  parts.heat.close();
  parts.redis.disconnect();
  parts.producer.disconnect();
  logger.info('service stopped', { event: 'stopped', drained });
}
