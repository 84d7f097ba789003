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
  /** The fields jobs carry (ticketFieldsNeeded for the config in force); omitted: jobs carry ids only. */
  recordFields?: () => readonly string[];
}

/** After HEAT refused the poll's $select of the carried fields, ids only for this long before trying again. */
const SELECT_REFUSED_RETRY_MS = 3_600_000;

/** The poll tick with the service's settings and stores, and its scheduler when polling is on. */
export function wirePoller(parts: PollerParts): {
  tick: () => Promise<PollResult>;
  scheduler: PollScheduler | null;
} {
  const { service, redis, logger } = parts;
  let selectRefusedAt = -Infinity;
  const recordFields = () =>
    parts.recordFields && Date.now() - selectRefusedAt > SELECT_REFUSED_RETRY_MS
      ? parts.recordFields()
      : null;
  const tick = async () => {
    const fields = recordFields();
    const result = await pollChangedTickets(
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
        ...(fields ? { recordFields: fields } : {}),
      },
    );
    if (result.recordSelectRefused) selectRefusedAt = Date.now();
    return result;
  };
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
