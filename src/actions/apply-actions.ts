import type { ActionPlan, ApplyResult, MoveRefusal } from '../domain/index.js';
import { HeatApiError, eq, NOTES_SET } from '../heat/index.js';
import type { HeatClient } from '../heat/index.js';
import type { Logger } from '../observability/index.js';
import { noteHasMarker } from './render-note.js';

export interface ApplyDeps {
  heat: HeatClient;
  logger: Logger;
  /** Entity set of incidents (service.yaml heat.incidentSet). */
  incidentSet: string;
  /** Return what would be written without calling HEAT. */
  dryRun?: boolean;
  /**
   * 1-based job attempt. Pass BullMQ's job.attemptsStarted: unlike attemptsMade it also counts a start
   * after a worker died mid-job (a stalled job), which is exactly when a note may be missing.
   */
  attempt?: number;
}

/**
 * Performs a plan with as few HEAT calls as possible: one PATCH carrying every field change, then one
 * note when the ticket moved. Order and crash safety (docs/actions.md): PATCH first, because a refused
 * PATCH must leave no note behind; a worker that dies between the two calls is retried, the retry reads
 * the ticket again (now showing our move), plans the note as 'if-missing', and creates it only when no
 * note of the ticket carries this decision's marker. An echo (attempt 1, nothing differs) costs 0 calls.
 */
export async function applyActions(plan: ActionPlan, deps: ApplyDeps): Promise<ApplyResult> {
  const attempt = deps.attempt ?? 1;
  const log = deps.logger.child({ ticketId: plan.recId, incidentNumber: plan.incidentNumber, attempt });
  const fieldNames = Object.keys(plan.fields);
  const patchDue = fieldNames.length > 0;
  const noteDue =
    plan.note !== null && (plan.noteMode === 'create' || (plan.noteMode === 'if-missing' && attempt > 1));
  const result: ApplyResult = {
    recId: plan.recId,
    patched: false,
    noted: false,
    lastModDateTime: plan.lastModDateTime ?? null,
    heatCalls: 0,
  };

  if (deps.dryRun) {
    log.info('planned writes (dry run)', {
      event: 'dry_run',
      kind: plan.kind,
      fields: plan.fields,
      moveTo: plan.moveTo,
      note: noteDue,
      why: plan.why,
    });
    return { ...result, dryRun: true };
  }

  if (patchDue) {
    let updated: Record<string, unknown>;
    result.sent = plan.fields;
    try {
      updated = await deps.heat.update(deps.incidentSet, plan.recId, plan.fields);
    } catch (err) {
      if (err instanceof HeatApiError && err.status >= 400 && err.status < 500) {
        // A refused PATCH changed nothing (one call, one record); the note is not written, and the error
        // goes back to the queue, which fails the job without retrying (isTicketPermanentError).
        log.error('HEAT refused the update', {
          event: 'heat_refused',
          status: err.status,
          code: err.code,
          heatMessage: err.messages.join(' | ') || err.description,
          fields: fieldNames,
          fix: err.fix,
        });
      }
      const refusal = moveRefusalOf(err, plan);
      const tagsOnly = refusal ? withoutMove(plan) : null;
      if (!refusal || !tagsOnly) throw err;
      // The classification is still worth having when HEAT refuses only the move: write the tags alone
      // and leave the move to a person or to a config fix. Either the tenant requires an Owner on active
      // tickets and the move (or Owner change) clears it (docs/heat-api.md §7/§8: Active needs Owner;
      // Owner cascades from OwnerTeam), or HEAT does not know the destination team or owner we sent
      // ("not in the validation list": our configuration; the job handler parks the ticket).
      result.heatCalls += 1;
      result.moveRefused = true;
      result.moveRefusal = refusal;
      const fix =
        refusal === 'owner_required'
          ? `name a member of ${plan.moveTo ?? 'the destination team'} as categories.<category>.owner in routing.yaml, or route the ticket by hand`
          : `create the team ${JSON.stringify(plan.moveTo ?? '')} in HEAT or correct the destination (or owner) in routing.yaml, then reload: parked tickets are queued again (sbt-router config check --live lists unknown teams)`;
      if (Object.keys(tagsOnly).length > 0) {
        result.sent = tagsOnly;
        const written = await deps.heat.update(deps.incidentSet, plan.recId, tagsOnly);
        result.heatCalls += 1;
        result.patched = true;
        result.written = written;
        if (typeof written.LastModDateTime === 'string') result.lastModDateTime = written.LastModDateTime;
      } else {
        result.sent = {};
      }
      if (plan.restricted) {
        // Gradebook work stays with a technician: never silently. The tags (SBT_Restricted) are on the
        // ticket for ITS to see; the job fails so that the refusal shows as a dropped job and an alert.
        log.error('HEAT refused to move restricted (gradebook) work away from a technician', {
          event: 'restricted_move_refused',
          moveTo: plan.moveTo,
          reason: refusal,
          fix,
        });
        throw new RestrictedMoveRefusedError(plan.recId, plan.moveTo, fix, err as HeatApiError, refusal);
      }
      log.error(
        refusal === 'owner_required'
          ? 'HEAT refused the move (an Owner is required); tagged only'
          : 'HEAT does not know the destination; tagged only',
        { event: 'move_refused', moveTo: plan.moveTo, reason: refusal, fix },
      );
      return result;
    }
    result.heatCalls += 1;
    result.patched = true;
    result.written = updated;
    const stamped = updated.LastModDateTime;
    if (typeof stamped === 'string') result.lastModDateTime = stamped;
  }
  if (noteDue && plan.note) {
    let exists = false;
    if (attempt > 1 && plan.fingerprint) {
      let pagesRead = 0;
      for await (const page of deps.heat.pages(NOTES_SET, {
        filter: eq('ParentLink_RecID', plan.recId),
        select: ['RecId', 'NotesBody'],
      })) {
        pagesRead += 1;
        if (page.some((n) => noteHasMarker(String(n.NotesBody ?? ''), plan.fingerprint ?? ''))) {
          exists = true;
          break;
        }
      }
      // A query that matched nothing yields no page but still cost one call.
      result.heatCalls += Math.max(1, pagesRead);
    }
    if (exists) {
      result.noteFound = true;
      log.info('note already present, not written again', {
        event: 'note_exists',
        fingerprint: plan.fingerprint,
      });
    } else {
      await deps.heat.createNote({
        parentRecId: plan.recId,
        parentCategory: 'Incident',
        subject: plan.note.subject,
        body: plan.note.body,
        category: plan.note.category,
        publishToWeb: plan.note.publishToWeb,
      });
      result.heatCalls += 1;
      result.noted = true;
    }
  }

  if (plan.override) {
    log.warn('a person moved the ticket away from our routing; not moving it back', {
      event: 'override',
      from: plan.override.from,
      to: plan.override.to,
    });
  }
  if (plan.restricted && (plan.kind === 'restrict' || plan.moveTo !== null)) {
    log.info('restricted (gradebook) ticket kept away from technicians', {
      event: 'restricted',
      moveTo: plan.moveTo,
      ownerCleared: 'Owner' in plan.fields,
      fingerprint: plan.fingerprint,
    });
  } else if (plan.moveTo !== null) {
    log.info('ticket moved', { event: 'moved', moveTo: plan.moveTo, fingerprint: plan.fingerprint });
  }
  if (patchDue || result.noted) {
    log.debug('applied', {
      event: 'applied',
      kind: plan.kind,
      fields: fieldNames,
      noted: result.noted,
      heatCalls: result.heatCalls,
    });
  }
  return result;
}

/**
 * Whether HEAT refused only the move of a PATCH that moves or un-owns the ticket, and why: its
 * "Required field Incident.Owner value must be provided", or a validation error on OwnerTeam/Owner
 * ("'X' is not in the validation list of validated field Incident.OwnerTeam"). Null: not a move refusal.
 */
function moveRefusalOf(err: unknown, plan: ActionPlan): MoveRefusal | null {
  if (!(err instanceof HeatApiError) || err.status !== 400) return null;
  if (!('OwnerTeam' in plan.fields || 'Owner' in plan.fields)) return null;
  if (err.messages.some((m) => /(required|mandatory) field.*\bowner\b|\bowner\b.*must be provided/i.test(m)))
    return 'owner_required';
  if (err.isValidationError && err.messages.some((m) => /validation list.*\.Owner(Team)?\b/i.test(m)))
    return 'unknown_destination';
  return null;
}

/**
 * The plan's tag fields without the move (team, owner, our routing mark). The classification time goes
 * only with a real tag change, so a ticket whose move keeps being refused costs no timestamp-only write.
 */
function withoutMove(plan: ActionPlan): Record<string, unknown> {
  const { OwnerTeam: _team, Owner: _owner, ...rest } = plan.fields;
  if (plan.routedToField) delete rest[plan.routedToField];
  const others = Object.keys(rest).filter((k) => k !== plan.classifiedAtField);
  return others.length === 0 ? {} : rest;
}

/** Restricted work HEAT would not move away from a technician: the job fails (and is not retried). */
export class RestrictedMoveRefusedError extends Error {
  readonly status = 400;
  constructor(
    recId: string,
    readonly moveTo: string | null,
    fix: string,
    cause: HeatApiError,
    /** Why HEAT refused the move. */
    readonly reason: MoveRefusal = 'owner_required',
  ) {
    super(
      `HEAT refused to move restricted ticket ${recId} away from a technician: ${cause.messages.join(' | ') || cause.description}. Fix: ${fix}`,
    );
    this.name = 'RestrictedMoveRefusedError';
  }
}
