import type { Redis } from 'ioredis';
import type { ServiceConfig } from '../config/index.js';
import type { HeatClient } from '../heat/index.js';
import {
  createPollScheduler,
  pollChangedTickets,
  type PollResult,
  type PollScheduler,
  type PollStatusStore,
  type WatermarkStore,
} from '../ingest/index.js';
import type { Logger } from '../observability/index.js';
import type { ProcessedStore, RetryStore, TicketQueue } from '../queue/index.js';

export interface PollerParts {
  service: ServiceConfig;
  /** Run the scheduler in this process (a tick can always be run by hand). */
  enabled: boolean;
  heat: HeatClient;
  queue: TicketQueue;
  processed: ProcessedStore;
  watermark: WatermarkStore;
  retry: RetryStore;
  pollStatus: PollStatusStore;
  redis: Redis;
  logger: Logger;
  onError: (source: string) => (err: Error) => void;
  onPoll?: (result: PollResult) => void;
}

/** The poll tick with the service's settings and stores, and its scheduler when polling is on. */
export function wirePoller(parts: PollerParts): {
  tick: () => Promise<PollResult>;
  scheduler: PollScheduler | null;
} {
  const { service, redis, logger } = parts;
  const tick = () =>
    pollChangedTickets(
      {
        heat: parts.heat,
        queue: parts.queue,
        processed: parts.processed,
        watermark: parts.watermark,
        retry: parts.retry,
        logger,
      },
      {
        incidentSet: service.heat.incidentSet,
        pageSize: service.heat.pageSize,
        overlapSeconds: service.poll.overlapSeconds,
        account: service.heat.account,
        ...(service.poll.startFrom ? { startFrom: service.poll.startFrom } : {}),
      },
    );
  if (!parts.enabled) return { tick, scheduler: null };
  const scheduler = createPollScheduler({
    connection: redis,
    redis,
    prefix: service.queue.prefix,
    intervalMs: service.poll.intervalSeconds * 1000,
    logger,
    tick,
    onTick: (result) => {
      parts.pollStatus.recordSuccess(new Date());
      parts.onPoll?.(result);
    },
  });
  scheduler.worker.on('error', parts.onError('poll-worker'));
  scheduler.queue.on('error', parts.onError('poll-queue'));
  return { tick, scheduler };
}
