import { applyActions, planActions } from './actions/index.js';
import { classifyTicket } from './classify/index.js';
import type { CountsService } from './counts/index.js';
import type { ActionPlan, CategoryId, Decision, ScopeId, Ticket } from './domain/index.js';
import type { HeatClient } from './heat/index.js';
import type { Logger } from './observability/index.js';
import type { JobMeta, ProcessedStore, TicketJob } from './queue/index.js';
import type { RuntimeState } from './runtime-state.js';

export interface ProcessTicketDeps {
  heat: HeatClient;
  logger: Logger;
  /** Read at the start of every job, so a reload applies to the next job. */
  runtime: () => RuntimeState;
  processed: ProcessedStore;
  counts?: CountsService | null;
  /** Custom fields the tenant lacks (found at start-up): never written. */
  missingFields?: ReadonlySet<string>;
  now?: () => Date;
  /** Plan only: no HEAT writes, no counts, nothing marked as processed. */
  dryRun?: boolean;
  onOutcome?: (outcome: ProcessOutcome) => void;
}

export interface ProcessOutcome {
  recId: string;
  incidentNumber: number | null;
  school: string | null;
  category: CategoryId;
  scope: ScopeId;
  ruleId: string;
  confidence: number;
  plan: ActionPlan;
  patched: boolean;
  noted: boolean;
  counted: boolean;
  heatCalls: number;
  decision: Decision;
}

/**
 * The one job handler where classify, actions and counts meet: read the ticket, decide, plan, apply
 * (idempotent: an already-applied decision costs no write), count, and remember the version we left
 * the ticket at so that its echo in the next poll costs nothing.
 */
export async function processTicket(
  job: TicketJob,
  meta: JobMeta,
  deps: ProcessTicketDeps,
): Promise<ProcessOutcome> {
  const { config, policy } = deps.runtime();
  const service = config.service;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({
    ticketId: job.recId,
    jobId: meta.jobId,
    attempt: meta.attempt,
    source: job.source,
  });

  const ticket = (await deps.heat.getByRecId(service.heat.incidentSet, job.recId)) as Ticket;
  const incidentNumber = typeof ticket.IncidentNumber === 'number' ? ticket.IncidentNumber : null;
  const decision = classifyTicket(ticket, policy);
  const plan = planActions(ticket, decision, {
    routing: config.routing,
    mode: service.mode,
    schools: service.schools,
    account: service.heat.account,
    now: now(),
    ...(deps.missingFields ? { missingFields: deps.missingFields } : {}),
  });

  let result;
  try {
    result = await applyActions(plan, {
      heat: deps.heat,
      logger: log,
      incidentSet: service.heat.incidentSet,
      dryRun: deps.dryRun ?? false,
      attempt: meta.attempt,
    });
  } catch (err) {
    // HEAT refused the write (applyActions logged it with HEAT's message). Remember the version we read
    // so that the poll's overlap does not re-queue it every tick; a person's next edit brings it back.
    if (!deps.dryRun && typeof ticket.LastModDateTime === 'string') {
      await deps.processed.mark(job.recId, ticket.LastModDateTime);
    }
    throw err;
  }

  // Remember the version we left the ticket at before anything else can fail: its echo (poll or
  // webhook) then costs nothing, and a retry of this job still re-reads and re-counts idempotently.
  const leftAt =
    result.lastModDateTime ?? (typeof ticket.LastModDateTime === 'string' ? ticket.LastModDateTime : null);
  if (!deps.dryRun && leftAt) await deps.processed.mark(job.recId, leftAt);

  let counted = false;
  const school =
    typeof ticket[service.counts.schoolField] === 'string'
      ? (ticket[service.counts.schoolField] as string)
      : null;
  if (!deps.dryRun && deps.counts && service.counts.enabled) {
    const recorded = await deps.counts.record({
      recId: job.recId,
      school,
      createdDateTime: typeof ticket.CreatedDateTime === 'string' ? ticket.CreatedDateTime : null,
      decision,
    });
    counted = recorded.changed;
  }

  const outcome: ProcessOutcome = {
    recId: job.recId,
    incidentNumber,
    school,
    category: decision.category,
    scope: decision.scope,
    ruleId: decision.ruleId,
    confidence: decision.confidence,
    plan,
    patched: result.patched,
    noted: result.noted,
    counted,
    heatCalls: result.heatCalls + 1,
    decision,
  };
  log.info('ticket processed', {
    event: 'ticket_processed',
    incidentNumber,
    category: decision.category,
    scope: decision.scope,
    ruleId: decision.ruleId,
    confidence: decision.confidence,
    plan: plan.kind,
    moveTo: plan.moveTo,
    patched: result.patched,
    noted: result.noted,
    counted,
    dryRun: deps.dryRun ?? false,
  });
  deps.onOutcome?.(outcome);
  return outcome;
}
