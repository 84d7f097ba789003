import { applyActions, planActions, planContextFrom, RestrictedMoveRefusedError } from '../actions/index.js';
import { classifyTicket } from '../classify/index.js';
import type { CountsService } from '../counts/index.js';
import type { ActionPlan, CategoryId, Decision, ScopeId, Ticket } from '../domain/index.js';
import { sameFieldValue } from '../domain/index.js';
import { isTicketPermanentError, type HeatClient } from '../heat/index.js';
import type { Logger } from '../observability/index.js';
import type { JobMeta, ParkedStore, ProcessedStore, TicketJob } from '../queue/index.js';
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
  /** HEAT refused a move because the tenant requires an Owner (counted; the tags were written). */
  onMoveRefused?: (destination: string) => void;
  /** Queue the ticket again (a person changed it while we were writing). */
  requeue?: (recId: string) => Promise<unknown>;
  /** HEAT does not know this RecId (400 "Invalid key" / 404): the webhook answers it 404 for a while. */
  onUnknownTicket?: (recId: string) => Promise<unknown>;
  /**
   * Tickets HEAT refused because of our configuration (an unknown destination): parked here, and
   * unparked by the next job of the ticket that finishes without that refusal.
   */
  parked?: ParkedStore;
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
  /** The ticket was read from HEAT (false: the job's own record was used). */
  readTicket: boolean;
  decision: Decision;
  /** HEAT refused the move (the tenant requires an Owner); the tags were written. */
  moveRefused: boolean;
  /** LastModBy that HEAT stamped on our PATCH (null when nothing was written). */
  writtenBy: string | null;
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

  // The job's own record stands in for a GET when it carries every field needed (poll page rows,
  // complete webhook bodies); the PATCH answer then guards against a person's save in between.
  const planAt = now();
  let ticket: Ticket;
  let read = false;
  let decision: Decision;
  let plan: ActionPlan;
  const carried = await unlessSuperseded(usableRecord(job, meta), deps.processed);
  if (carried) {
    ticket = carried;
    decision = classifyTicket(ticket, policy);
    plan = planActions(ticket, decision, planContextFrom(config, planAt, deps.missingFields));
    // A field we write is not guarded by the PATCH answer (it shows our own value), so a plan that
    // moves the ticket trusts the record only while it is fresh; an older one is read first.
    const maxAgeMs = service.worker.carriedRecordMaxAgeSeconds * 1000;
    if (writesRoutingFields(plan) && recordAgeMs(job, planAt) >= maxAgeMs) {
      log.debug('carried record too old for a move; reading the ticket', { event: 'carried_record_stale' });
      ticket = await readTicket(job, deps, service.heat.incidentSet);
      read = true;
      decision = classifyTicket(ticket, policy);
      plan = planActions(ticket, decision, planContextFrom(config, planAt, deps.missingFields));
    }
  } else {
    ticket = await readTicket(job, deps, service.heat.incidentSet);
    read = true;
    decision = classifyTicket(ticket, policy);
    plan = planActions(ticket, decision, planContextFrom(config, planAt, deps.missingFields));
  }
  const incidentNumber = typeof ticket.IncidentNumber === 'number' ? ticket.IncidentNumber : null;

  let result;
  try {
    result = await applyActions(plan, {
      heat: deps.heat,
      logger: log,
      incidentSet: service.heat.incidentSet,
      dryRun: deps.dryRun ?? false,
      // A ticket taken back from the retry set is a retry whatever BullMQ counts: check before writing.
      attempt: job.source === 'retry' ? Math.max(meta.attempt, 2) : meta.attempt,
    });
  } catch (err) {
    if (err instanceof RestrictedMoveRefusedError && err.moveTo) deps.onMoveRefused?.(err.moveTo);
    // Gradebook work HEAT would not move because it does not know the destination: the job still
    // fails loudly, and the ticket is parked so that the config fix brings it back.
    if (!deps.dryRun && err instanceof RestrictedMoveRefusedError && err.reason === 'unknown_destination')
      await park(deps, log, job.recId, err.moveTo, now);
    // HEAT refused the write for good (applyActions logged it with HEAT's message): remember the
    // version we read so that the poll's overlap does not re-queue it every tick; a person's next edit
    // brings it back. A transient failure is not marked: the job's retries (and the next poll) redo it.
    if (!deps.dryRun && isPermanentJobError(err) && typeof ticket.LastModDateTime === 'string') {
      await deps.processed.mark(job.recId, ticket.LastModDateTime);
    }
    throw err;
  }

  if (result.moveRefused && plan.moveTo) deps.onMoveRefused?.(plan.moveTo);

  // HEAT has no ETag (docs/heat-api.md §11): a person may have saved the ticket between our read and our
  // PATCH. The PATCH answer shows it; such a version is not marked as done but queued again, so the
  // person's change is decided on (and, when they moved it, respected as an override).
  const changedMeanwhile = result.written
    ? fieldsChangedMeanwhile(ticket, result.written, result.sent ?? plan.fields)
    : [];
  if (changedMeanwhile.length > 0) {
    log.warn('the ticket changed while we were writing; queued again', {
      event: 'concurrent_change',
      incidentNumber,
      fields: changedMeanwhile,
    });
  }

  // Remember the version we left the ticket at before anything else can fail: its echo (poll or
  // webhook) then costs nothing, and a retry of this job still re-reads and re-counts idempotently.
  const leftAt =
    result.lastModDateTime ?? (typeof ticket.LastModDateTime === 'string' ? ticket.LastModDateTime : null);
  // Parking and marking touch different keys: issued together, they go to Redis in one pipeline.
  const stores: Array<Promise<unknown>> = [];
  if (!deps.dryRun && deps.parked) {
    const parked = deps.parked;
    if (result.moveRefusal === 'unknown_destination') {
      stores.push(park(deps, log, job.recId, plan.moveTo, now));
    } else {
      stores.push(
        parked.unpark(job.recId).then((was) => {
          if (was)
            log.info('parked ticket done; unparked', { event: 'ticket_unparked', moveTo: plan.moveTo });
        }),
      );
    }
  }
  if (!deps.dryRun && leftAt && changedMeanwhile.length === 0)
    stores.push(deps.processed.mark(job.recId, leftAt));
  await allOrFirstError(stores);
  if (!deps.dryRun && changedMeanwhile.length > 0) await deps.requeue?.(job.recId);

  let counted = false;
  const school =
    typeof ticket[service.counts.schoolField] === 'string'
      ? (ticket[service.counts.schoolField] as string)
      : null;
  if (!deps.dryRun && deps.counts && service.counts.enabled) {
    const counts = deps.counts;
    const createdDateTime = typeof ticket.CreatedDateTime === 'string' ? ticket.CreatedDateTime : null;
    // The bounce rate's counts: routed by us (the routed-to field is set) and overridden by a person
    // (the override is recorded), as the ticket stands after our write. Once per ticket, so a retry or a
    // second look at an overridden ticket counts nothing more. Independent of the category count (other
    // keys, each idempotent per ticket): both are sent together.
    const after: Record<string, unknown> = { ...ticket, ...(result.written ?? {}) };
    const routing = config.routing.fields;
    const routed = hasText(after[routing.routedTo]);
    const overridden = hasText(after[routing.override]);
    const [recorded] = await allOrFirstError([
      counts.record({ recId: job.recId, school, createdDateTime, decision }),
      routed || overridden
        ? counts.recordRouting({ recId: job.recId, school, createdDateTime, routed, overridden })
        : Promise.resolve(null),
    ]);
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
    heatCalls: result.heatCalls + (read ? 1 : 0),
    readTicket: read,
    decision,
    writtenBy: typeof result.written?.LastModBy === 'string' ? result.written.LastModBy : null,
    moveRefused: result.moveRefused ?? false,
  };
  logProcessed(log, outcome, deps.dryRun ?? false);
  deps.onOutcome?.(outcome);
  return outcome;
}

/**
 * Waits for every promise (none is left running unobserved) and then rejects with the first error, or
 * resolves with all the values: Promise.all would reject while the others were still in flight.
 */
async function allOrFirstError<T extends readonly unknown[]>(
  promises: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** A field that holds something (HEAT renders an unset text field as null or ''). */
function hasText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/** GET of the whole ticket; an id HEAT does not know is remembered for the webhook's negative cache. */
async function readTicket(job: TicketJob, deps: ProcessTicketDeps, incidentSet: string): Promise<Ticket> {
  try {
    return (await deps.heat.getByRecId(incidentSet, job.recId)) as Ticket;
  } catch (err) {
    // Remembered so that the same unknown id sent to the webhook again costs HEAT no second call.
    if (!deps.dryRun && isTicketPermanentError(err))
      await deps.onUnknownTicket?.(job.recId)?.catch(() => undefined);
    throw err;
  }
}

/**
 * The job's record as a Ticket, when it may stand in for a read: a first attempt of a poll or webhook
 * job whose record names its version. A retry reads (an earlier attempt may have written), and so does
 * any other source (backfill, parked, requeued after a concurrent change carry no record).
 */
function usableRecord(job: TicketJob, meta: JobMeta): Ticket | null {
  if (!job.record || !job.lastModDateTime || meta.attempt > 1) return null;
  if (job.source !== 'poll' && job.source !== 'webhook') return null;
  return { ...job.record, RecId: job.recId, LastModDateTime: job.lastModDateTime } as Ticket;
}

/**
 * A carried record older than the version we last left the ticket at is stale: a job queued while an
 * earlier job of the same ticket was running (the poll's overlap, BullMQ's keep-last deduplication)
 * carries the version before our own write, and deciding on it would write the tags and the note again.
 * Such a job reads the ticket instead (and then finds nothing to write).
 */
async function unlessSuperseded(carried: Ticket | null, processed: ProcessedStore): Promise<Ticket | null> {
  if (!carried) return null;
  const [leftAt] = await processed.getMany([carried.RecId]);
  if (leftAt === null || leftAt === undefined) return carried;
  const left = Date.parse(leftAt);
  const version = Date.parse(carried.LastModDateTime as string);
  if (Number.isFinite(left) && Number.isFinite(version)) return left > version ? null : carried;
  return leftAt === carried.LastModDateTime ? carried : null;
}

/** How long ago the carried record was known to be HEAT's current version (0 if in the future, infinite if unknown). */
function recordAgeMs(job: TicketJob, at: Date): number {
  const seen = Date.parse(job.seenAt ?? job.receivedAt);
  return Number.isFinite(seen) ? Math.max(0, at.getTime() - seen) : Number.POSITIVE_INFINITY;
}

/** The fields a person also edits that our PATCH would overwrite (team, owner, status). */
const ROUTING_FIELDS = ['OwnerTeam', 'Owner', 'Status'] as const;

function writesRoutingFields(plan: ActionPlan): boolean {
  return ROUTING_FIELDS.some((field) => field in plan.fields);
}

/** Parks a ticket HEAT refused because of our configuration, and says so with its id (never its text). */
async function park(
  deps: ProcessTicketDeps,
  log: Logger,
  recId: string,
  team: string | null,
  now: () => Date,
): Promise<void> {
  if (!deps.parked) return;
  await deps.parked.park(recId, { reason: 'unknown_destination', team, at: now().toISOString() });
  log.warn(
    'ticket parked: HEAT does not know its destination; a config reload or a backfill brings it back',
    {
      event: 'ticket_parked',
      reason: 'unknown_destination',
      team,
    },
  );
}

/** The one log line per job: the decision and what was done (never ticket text). */
function logProcessed(log: Logger, o: ProcessOutcome, dryRun: boolean): void {
  log.info('ticket processed', {
    event: 'ticket_processed',
    incidentNumber: o.incidentNumber,
    category: o.category,
    scope: o.scope,
    ruleId: o.ruleId,
    confidence: o.confidence,
    plan: o.plan.kind,
    moveTo: o.plan.moveTo,
    patched: o.patched,
    noted: o.noted,
    counted: o.counted,
    dryRun,
  });
}

/** Fields a person edits that decide or carry our routing (never our own SBT_* tags). */
const WATCHED_FIELDS = ['Subject', 'Symptom', 'Category', 'Service', 'Status', 'OwnerTeam', 'Owner'] as const;

/** Watched fields whose value after our PATCH is neither what we read nor what we wrote. */
export function fieldsChangedMeanwhile(
  read: Record<string, unknown>,
  written: Record<string, unknown>,
  sent: Record<string, unknown>,
): string[] {
  // When we changed the team, HEAT (or its workflows) may fill in an Owner or move the Status on
  // its own (docs/heat-api.md §9.1): those two are not a person's doing then.
  const weMoved = 'OwnerTeam' in sent;
  return WATCHED_FIELDS.filter((field) => {
    if (!(field in written)) return false;
    if (weMoved && (field === 'Owner' || field === 'Status')) return false;
    const expected = field in sent ? sent[field] : read[field];
    return !sameFieldValue(written[field], expected);
  });
}

/** Errors that retrying this ticket's job cannot fix: it fails at once and is remembered as handled. */
export function isPermanentJobError(err: unknown): boolean {
  return isTicketPermanentError(err) || err instanceof RestrictedMoveRefusedError;
}
