import type { Worker } from 'bullmq';

import type { Logger } from '../observability/index.js';
import { failedJobFacts, failedJobOutcome, type FailedJobOutcome } from './job-outcome.js';
import type { RetryStore } from './retry-store.js';
import { coerceError } from '../domain/index.js';

/** What a ticket job's handler returns (kept by BullMQ in Redis, for the dashboard): a summary. */
export interface TicketJobSummary {
  category: string;
  scope: string;
  plan: string;
  patched: boolean;
  noted: boolean;
}

export type TicketJobOutcome = 'completed' | 'skipped' | FailedJobOutcome;

export interface TicketJobEventsOptions {
  retry: RetryStore;
  logger: Logger;
  /** Every finished attempt, with its outcome (metrics, readiness's "last job finished"). */
  onFinished?: (outcome: TicketJobOutcome) => void;
}

/**
 * Listens to a ticket worker's finished attempts: names each outcome, logs failures, and hands a job
 * that failed for good for a reason that may pass (out of attempts) to the retry set, which the next
 * poll tick takes back (retry-store.ts).
 */
export function watchTicketJobs(worker: Worker, options: TicketJobEventsOptions): void {
  const { logger } = options;
  worker.on('completed', (_job, result: TicketJobSummary | undefined) => {
    // skipped: the ticket already showed its decision (a duplicate, a retry, an echo that got through).
    options.onFinished?.(result && !result.patched && !result.noted ? 'skipped' : 'completed');
  });
  worker.on('failed', (job, err) => {
    const outcome = failedJobOutcome(failedJobFacts(job, err));
    options.onFinished?.(outcome);
    const recId = (job?.data as { recId?: unknown } | undefined)?.recId;
    if (outcome === 'failed' && typeof recId === 'string') {
      options.retry.add(recId).catch((e: unknown) =>
        logger.error('could not remember a failed ticket for retry', {
          event: 'retry_store_failed',
          ticketId: recId,
          error: coerceError(e).message,
        }),
      );
    }
    logger.warn('job failed', {
      event: 'job_failed',
      jobId: job?.id,
      ticketId: typeof recId === 'string' ? recId : undefined,
      attempt: job?.attemptsMade,
      error: err.message,
    });
  });
}
