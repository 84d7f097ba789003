import type { ActionNote, ActionPlan, Decision, Ticket } from '../domain/index.js';
import { isEmpty, sameTeam } from '../domain/index.js';
import { planActions, type PlanContext } from './plan-actions.js';
import { noteHasMarker, routingNoteSubject } from './render-note.js';

/** One of our journal notes on a ticket, as read from HEAT (journal__notess). */
export interface RollbackNote {
  subject: string;
  body: string;
  /** CreatedDateTime in ms; null when HEAT gave none (ordered first). */
  createdMs: number | null;
}

/**
 * What rollback does to one ticket:
 * - `moved_back`: the withdrawn version moved it, our routing still holds, and the active policy sends
 *   it elsewhere: moved, tags rewritten, one correcting note (or only that note, after a crash between
 *   the PATCH and the note);
 * - `routed`: the withdrawn version only tagged it and the active policy routes it (as the worker
 *   would), with the ordinary routing note; also gradebook work a person left with a technician;
 * - `retagged`: the tags change, the team stays;
 * - `left_alone`: a person moved it since our routing (OwnerTeam is not SBT_RoutedTo): no write at all;
 * - `unchanged`: it already shows the active decision (a second run, or the worker fixed it already).
 */
export type RollbackOutcome = 'moved_back' | 'routed' | 'retagged' | 'left_alone' | 'unchanged';

export interface RollbackPlan {
  outcome: RollbackOutcome;
  /** What to apply (applyActions); fields {} and no note for left_alone and unchanged. */
  plan: ActionPlan;
  /** The withdrawn version moved this ticket (one of its routing notes is on the ticket). */
  movedByVersion: boolean;
  /** Where the ticket sits and where we had routed it (for the left-alone list). */
  currentTeam: string | null;
  routedTo: string | null;
}

const DECISION_MARKER = /^\[sbt-router decision [0-9a-f]{12}\]$/;
const POLICY_LINE = /^Policy: SBT scope policy version (\S+); rule /;
const SUBJECT = new RegExp(`^${escapeRegExp(routingNoteSubject('\u0000')).replace('\u0000', '(.+)')}$`);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function lines(body: string): string[] {
  return body.replace(/\r\n?/g, '\n').trimEnd().split('\n');
}

/** The policy version a routing note of ours cites (its "Policy:" line), or null for any other note. */
export function routingNoteVersion(body: string): string | null {
  const all = lines(body);
  if (!DECISION_MARKER.test(all[all.length - 1]?.trim() ?? '')) return null;
  for (const line of all) {
    const m = POLICY_LINE.exec(line.trim());
    if (m) return m[1] ?? null;
  }
  return null;
}

/** The line that marks the correcting note for one withdrawn version: at most one such note per ticket. */
export function rollbackMarker(version: string): string {
  return `[sbt-router rollback of policy ${version}]`;
}

export function hasRollbackMarker(body: string, version: string): boolean {
  return lines(body).some((l) => l.trim() === rollbackMarker(version));
}

/** The team a routing note's subject names ("Routed to <team> by the SBT scope policy"), or null. */
function routedTeamOf(subject: string): string | null {
  return SUBJECT.exec(subject.trim())?.[1] ?? null;
}

/**
 * The correcting note: "Moved back: policy VERSION was withdrawn.", then the routing note of the new
 * decision (its text, its Policy line), the rollback marker, and the decision marker last, so that a
 * retry of the worker finds it as the new decision's note and never writes a second one.
 */
export function correctingNote(routing: ActionNote, version: string, team: string): ActionNote {
  const body = lines(routing.body);
  const marker = body.pop() ?? '';
  return {
    ...routing,
    subject: `Moved back to ${team}: policy ${version} was withdrawn`,
    body: [`Moved back: policy ${version} was withdrawn.`, '', ...body, rollbackMarker(version), marker].join(
      '\n',
    ),
  };
}

function text(value: unknown): string | null {
  return isEmpty(value) ? null : String(value).trim();
}

const nothing = (plan: ActionPlan): ActionPlan => ({
  ...plan,
  kind: 'noop',
  fields: {},
  moveTo: null,
  note: null,
  override: null,
  noteMode: undefined,
});

/**
 * Re-decides one ticket of a withdrawn policy version under the active config. Pure, like
 * planActions (which it uses for the writes, so every rule of docs/actions.md holds: gates, closed
 * tickets, gradebook work never with technicians). `decision` is the active policy's decision;
 * `notes` are the ticket's journal notes written since the rollout.
 */
export function planRollback(
  ticket: Ticket,
  decision: Decision,
  notes: readonly RollbackNote[],
  version: string,
  ctx: PlanContext,
): RollbackPlan {
  if (decision.policyVersion === version) {
    throw new Error(`policy ${version} is the active policy: deploy the corrected routing.yaml first`);
  }
  const f = ctx.routing.fields;
  const plan = planActions(ticket, decision, ctx);
  const currentTeam = text(ticket.OwnerTeam);
  const routedTo = ctx.missingFields?.has(f.routedTo) ? null : text(ticket[f.routedTo]);
  const ordered = [...notes].sort((a, b) => (a.createdMs ?? 0) - (b.createdMs ?? 0));
  const versionNotes = ordered.filter((n) => routingNoteVersion(n.body) === version);
  const lastVersionNote = versionNotes[versionNotes.length - 1];
  const movedByVersion = lastVersionNote !== undefined;
  const corrected = notes.some((n) => hasRollbackMarker(n.body, version));
  const base = { movedByVersion, currentTeam, routedTo };
  const withNote = (note: ActionNote | null): ActionPlan => {
    const out: ActionPlan = { ...plan, note };
    if (note) out.noteMode = 'create';
    return out;
  };

  const personChanged = routedTo !== null && !sameTeam(currentTeam, routedTo);
  if (personChanged) {
    // A person's choice stands, except that gradebook work never stays with a technician.
    const protectsGradebook = plan.restricted === true && (plan.moveTo !== null || 'Owner' in plan.fields);
    if (protectsGradebook) return { outcome: 'routed', plan, ...base };
    return { outcome: 'left_alone', plan: nothing(plan), ...base };
  }
  if (plan.moveTo !== null) {
    if (!movedByVersion || corrected || !plan.note) return { outcome: 'routed', plan, ...base };
    return {
      outcome: 'moved_back',
      plan: withNote(correctingNote(plan.note, version, plan.moveTo)),
      ...base,
    };
  }
  // No move due. A previous run may have died between its PATCH and its note: the ticket shows the
  // active routing, the withdrawn version had put it in another team, and no note of this decision
  // came after the withdrawn version's note.
  const versionTeam = lastVersionNote ? routedTeamOf(lastVersionNote.subject) : null;
  const noteAfterVersion = ordered.some(
    (n) =>
      plan.fingerprint !== undefined &&
      noteHasMarker(n.body, plan.fingerprint) &&
      (n.createdMs ?? 0) >= (lastVersionNote?.createdMs ?? 0),
  );
  const recoverNote =
    movedByVersion &&
    !corrected &&
    !noteAfterVersion &&
    plan.note !== null &&
    currentTeam !== null &&
    routedTo !== null &&
    (versionTeam === null || !sameTeam(versionTeam, currentTeam));
  if (recoverNote && plan.note) {
    return {
      outcome: 'moved_back',
      plan: withNote(correctingNote(plan.note, version, currentTeam)),
      ...base,
    };
  }
  const noNote = { ...plan, note: null, noteMode: undefined };
  if (Object.keys(plan.fields).length > 0) return { outcome: 'retagged', plan: noNote, ...base };
  return { outcome: 'unchanged', plan: nothing(plan), ...base };
}
