/** What a failed ticket job means for the service, decided from what BullMQ reports about it. */
export type FailedJobOutcome =
  /** Not retried: HEAT refused the data or has no such ticket, or the payload did not parse. */
  | 'dropped'
  /** Out of attempts (or its workers kept dying): failed for good, for a reason that may pass. */
  | 'failed'
  /** BullMQ runs it again. */
  | 'retried';

/** The parts of a BullMQ job and error the outcome depends on (a plain object: easy to test). */
export interface FailedJobFacts {
  /** False when BullMQ reports a failure without the job (it was removed meanwhile). */
  hasJob: boolean;
  attemptsMade: number;
  /** The job's attempts option (1 when unset). */
  attempts: number;
  errorName: string;
  errorMessage: string;
}

/** BullMQ's message for a job whose workers died more often than maxStalledCount allows. */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/i;

/**
 * The one rule for "failed for good": the worker's metrics and retry hand-off and the backfill's
 * summary all read it from here.
 */
export function failedJobOutcome(facts: FailedJobFacts): FailedJobOutcome {
  if (!facts.hasJob || facts.errorName === 'UnrecoverableError') return 'dropped';
  if (facts.attemptsMade >= facts.attempts || STALLED_TOO_OFTEN.test(facts.errorMessage)) return 'failed';
  return 'retried';
}

/** The facts of a job and error as BullMQ's worker 'failed' event hands them over. */
export function failedJobFacts(
  job: { attemptsMade: number; opts: { attempts?: number } } | undefined,
  err: Error,
): FailedJobFacts {
  return {
    hasJob: job !== undefined,
    attemptsMade: job?.attemptsMade ?? 0,
    attempts: job?.opts.attempts ?? 1,
    errorName: err.name,
    errorMessage: err.message,
  };
}
