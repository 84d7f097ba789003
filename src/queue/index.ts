export {
  ticketJobSchema,
  parseTicketJob,
  isBackfillJob,
  carriedRecordOf,
  MAX_CARRIED_RECORD_BYTES,
} from './job-schemas.js';
export type { TicketJob, CarriedRecord } from './job-schemas.js';
export {
  createRedisConnection,
  redisOptionsFromUrl,
  clusterNodesFromUrl,
} from './create-redis-connection.js';
export type { RedisRole } from './create-redis-connection.js';
export { createTicketQueue, TICKETS_QUEUE, QueueUnavailableError, ensureReady } from './ticket-queue.js';
export type {
  TicketQueue,
  TicketQueueOptions,
  EnqueueInput,
  EnqueueResult,
  QueueBacklog,
} from './ticket-queue.js';
export { createTicketWorker, DeferJobError } from './ticket-worker.js';
export type { TicketWorkerOptions, JobMeta } from './ticket-worker.js';
export { createProcessedStore } from './processed-store.js';
export type { ProcessedStore } from './processed-store.js';
export { createRetryStore } from './retry-store.js';
export { createParkedStore } from './parked-store.js';
export type { ParkedStore, ParkedTicket, ParkReason } from './parked-store.js';
export { queueKeys } from './queue-keys.js';
export type { QueueKeys } from './queue-keys.js';
export type { RetryStore } from './retry-store.js';
export { failedJobFacts, failedJobOutcome } from './job-outcome.js';
export type { FailedJobFacts, FailedJobOutcome } from './job-outcome.js';
export { createScheduledJob } from './scheduled-job.js';
export type { ScheduledJob, ScheduledJobOptions, ScheduleRepeat } from './scheduled-job.js';
export { watchTicketJobs } from './ticket-job-events.js';
export type { TicketJobSummary, TicketJobOutcome, TicketJobEventsOptions } from './ticket-job-events.js';
export { warnUntaggedPrefix } from './warn-untagged-prefix.js';
export { oldestWaitingJobTimestamp } from './oldest-waiting-job.js';
export { readTicketQueueStatus } from './queue-status.js';
export type {
  TicketQueueStatus,
  QueueWorkerSeen,
  QueueStatusOptions,
  RecentFailure,
} from './queue-status.js';
export { replicaName } from './replica-name.js';
export { createCommandBatcher, commandBatcherFor } from './command-batcher.js';
export type { CommandBatcher } from './command-batcher.js';
