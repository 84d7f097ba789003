import type { TenantFieldsCheck } from '../actions/index.js';
import type { CountsService } from '../counts/index.js';
import type { HeatClient } from '../heat/index.js';
import type { Logger, Metrics } from '../observability/index.js';
import {
  DeferJobError,
  isBackfillJob,
  type JobMeta,
  type ParkedStore,
  type ProcessedStore,
  type TicketJob,
  type TicketJobSummary,
  type TicketQueue,
} from '../queue/index.js';
import { processTicket, type ProcessOutcome } from './process-ticket.js';
import type { RuntimeState } from './runtime-state.js';

export interface TicketJobHandlerDeps {
  heat: HeatClient;
  logger: Logger;
  metrics: Metrics;
  runtime: () => RuntimeState;
  processed: ProcessedStore;
  counts: CountsService | null;
  /** Where a ticket a person changed while we wrote goes again (not needed for a dry run). */
  queue?: TicketQueue;
  tenantFields: TenantFieldsCheck;
  /** Where tickets HEAT refused because of our configuration are parked (not needed for a dry run). */
  parked?: ParkedStore;
  /** Plan only: no HEAT writes, no counts, nothing marked as processed (backfill --dry-run). */
  dryRun?: boolean;
  /** Compares the login HEAT stamped on our write with heat.account (once). */
  checkAccount: (writtenBy: string | null) => void;
  onOutcome?: (outcome: ProcessOutcome) => void;
  /** HEAT does not know a job's RecId (the webhook's negative cache). */
  onUnknownTicket?: (recId: string) => Promise<unknown>;
  /** Waits between backfill tickets above the budget's high-water mark (tests record instead). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /**
   * Check the budget before a backfill job (default true). false for a caller that waits its own turn
   * first (backfill --tag-history, HeatClient.waitForBackfillTurn): no second pause, no job put off.
   */
  budgetGate?: boolean;
}

/**
 * Backfill work yields to live work on the shared HEAT budget: from 80% each backfill ticket waits a
 * little first (the worker slows it), from 100% or during HEAT's backoff the job is put off until
 * the next UTC day / the end of the backoff (DeferJobError: no attempt spent). Live work never waits here.
 */
async function gateBackfill(deps: TicketJobHandlerDeps, job: TicketJob): Promise<void> {
  if (!isBackfillJob(job) || deps.budgetGate === false) return;
  const state = await deps.heat.budgetState();
  if (state.backfillDelayMs <= 0) return;
  if (state.level === 'slow' && state.backoffUntil === null) {
    await (deps.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))))(state.backfillDelayMs);
    return;
  }
  const now = (deps.now ?? (() => new Date()))().getTime();
  deps.logger.info('backfill ticket put off for the HEAT call budget', {
    event: 'backfill_deferred',
    ticketId: job.recId,
    level: state.level,
    used: state.used,
    budget: state.budget,
    until: new Date(now + state.backfillDelayMs).toISOString(),
  });
  throw new DeferJobError(now + state.backfillDelayMs, `HEAT call budget ${state.level}`);
}

/**
 * The ticket worker's handler: processTicket with the service's stores, counted in the metrics. The
 * tenant-field check runs first when it has not succeeded yet, so that no missing field is written.
 */
export function createTicketJobHandler(
  deps: TicketJobHandlerDeps,
): (job: TicketJob, meta: JobMeta) => Promise<TicketJobSummary> {
  const { metrics, queue } = deps;
  const recordOutcome = (o: ProcessOutcome) => {
    deps.checkAccount(o.writtenBy);
    metrics.ticketsClassified.inc({ category: o.category, scope: o.scope });
    if (o.plan.moveTo && o.patched && !o.moveRefused) metrics.ticketMoves.inc({ destination: o.plan.moveTo });
    if (o.plan.override) metrics.overrides.inc({ category: o.category });
    deps.onOutcome?.(o);
  };
  return async (job, meta) => {
    if (!deps.dryRun) await gateBackfill(deps, job);
    const endTimer = metrics.jobSeconds.startTimer();
    await deps.tenantFields.ensure().catch(() => undefined);
    try {
      const o = await processTicket(job, meta, {
        heat: deps.heat,
        logger: deps.logger,
        runtime: deps.runtime,
        processed: deps.processed,
        counts: deps.counts,
        missingFields: deps.tenantFields.missing(),
        onOutcome: recordOutcome,
        onMoveRefused: (destination) => metrics.ticketMovesRefused.inc({ destination }),
        ...(queue ? { requeue: (recId: string) => queue.enqueue({ recId, source: 'poll' }) } : {}),
        ...(deps.parked ? { parked: deps.parked } : {}),
        ...(deps.dryRun ? { dryRun: true } : {}),
        ...(deps.onUnknownTicket ? { onUnknownTicket: deps.onUnknownTicket } : {}),
      });
      return { category: o.category, scope: o.scope, plan: o.plan.kind, patched: o.patched, noted: o.noted };
    } finally {
      endTimer();
    }
  };
}
