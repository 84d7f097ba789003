import type { RoutingPolicyConfig, ServiceConfig } from '../config/index.js';
import { FINAL_STATUSES, isTechnicianTeam, teamKey } from '../domain/index.js';
import type { ActionNote, ActionPlan, Decision, PlanKind, Ticket } from '../domain/index.js';
import { decisionFingerprint, roundConfidence } from './decision-fingerprint.js';
import { DEFAULT_NOTE_TEMPLATES, renderNote } from './render-note.js';
import { isEmpty, sameFieldValue, sameTeam } from '../domain/index.js';

export interface PlanContext {
  routing: RoutingPolicyConfig;
  mode: 'enforce' | 'shadow';
  schools: { allow: readonly string[]; killSwitch: boolean };
  /** Our HEAT login: HEAT stamps it in LastModBy on our writes (docs/heat-api.md §9.2). */
  account: string;
  now: Date;
  /** Custom fields the tenant lacks (checkTenantFields at start-up): never written. */
  missingFields?: ReadonlySet<string>;
  /** Known technician logins, to clear a technician Owner from restricted work. */
  technicianLogins?: ReadonlySet<string>;
}

/** The plan context a loaded config gives (the worker, backfill and explain plan alike). */
export function planContextFrom(
  config: { routing: RoutingPolicyConfig; service: ServiceConfig },
  now: Date,
  missingFields?: ReadonlySet<string>,
): PlanContext {
  return {
    routing: config.routing,
    mode: config.service.mode,
    schools: config.service.schools,
    account: config.service.heat.account,
    now,
    technicianLogins: new Set(config.routing.teams.technicianLogins),
    ...(missingFields ? { missingFields } : {}),
  };
}

/** Why a ticket is only tagged, never moved or noted. */
type Gate = 'final_state' | 'shadow' | 'kill_switch' | 'school_not_allowed';

function text(value: unknown): string | null {
  if (isEmpty(value)) return null;
  return String(value).trim();
}

function lowerSet(values: Iterable<string>): Set<string> {
  return new Set([...values].map((v) => v.trim().toLowerCase()));
}

/** Team names and logins compare under teamKey (NFKC, white space collapsed, case folded). */
function teamSet(values: Iterable<string>): Set<string> {
  return new Set([...values].map(teamKey));
}

function gateOf(ticket: Ticket, school: string | null, ctx: PlanContext): Gate | null {
  const status = text(ticket.Status)?.toLowerCase();
  if (status && FINAL_STATUSES.some((s) => s.toLowerCase() === status)) return 'final_state';
  if (ctx.mode === 'shadow') return 'shadow';
  if (ctx.schools.killSwitch) return 'kill_switch';
  if (ctx.schools.allow.length > 0 && !(school && lowerSet(ctx.schools.allow).has(school.toLowerCase()))) {
    return 'school_not_allowed';
  }
  return null;
}

/** The configured owner of a destination team (routing.yaml categories.*.owner), or '' to clear it. */
function ownerFor(team: string, routing: RoutingPolicyConfig): string {
  for (const settings of Object.values(routing.categories)) {
    if (settings.owner && settings.destination && sameTeam(settings.destination, team)) return settings.owner;
  }
  return '';
}

/**
 * The team the policy sends a decision to, whatever the ticket's current team: the category's
 * configured destination, or the school's technicians for in-scope work. null: the policy names none.
 */
function policyDestination(
  decision: Decision,
  school: string | null,
  routing: RoutingPolicyConfig,
): string | null {
  const settings = routing.categories[decision.category];
  const technicians = (school ? routing.teams.perSchool[school] : undefined) ?? routing.teams.technicians;
  const destination = settings?.destination ?? (decision.scope === 'in_scope' ? technicians : null);
  if (decision.restricted) {
    // Defence in depth: loadConfig's crossCheck already refuses such a routing.yaml at start-up.
    if (!destination || isTechnicianTeam(routing.teams, destination)) {
      throw new Error(
        `routing.yaml: categories.${decision.category}.destination must name a team that is not a technicians' team (restricted work never goes to technicians); fix the destination and restart`,
      );
    }
  }
  return destination;
}

/** What the ticket shows, read once: where it sits, who owns it, whether our routing still holds. */
interface TicketFacts {
  school: string | null;
  currentTeam: string | null;
  owner: string | null;
  routedTo: string | null;
  destination: string | null;
  fingerprint: string;
  atIntake: boolean;
  atTechnicians: boolean;
  ownerIsTechnician: boolean;
  routingOurs: boolean;
  overrideRecorded: boolean;
  personMoved: boolean;
}

function ticketFacts(
  ticket: Ticket,
  decision: Decision,
  ctx: PlanContext,
  missing: ReadonlySet<string>,
): TicketFacts {
  const f = ctx.routing.fields;
  const teams = ctx.routing.teams;
  const school = text(ticket.OrganizationUnitID);
  const currentTeam = text(ticket.OwnerTeam);
  const owner = text(ticket.Owner);
  const routedTo = missing.has(f.routedTo) ? null : text(ticket[f.routedTo]);
  const lastByUs = sameTeam(ticket.LastModBy, ctx.account);
  const destination = policyDestination(decision, school, ctx.routing);
  const fingerprint = decisionFingerprint(decision, destination);

  const atIntake = currentTeam === null || sameTeam(currentTeam, teams.intake);
  const atTechnicians = currentTeam !== null && isTechnicianTeam(teams, currentTeam);
  // A technician may own a ticket that sits in another team: known technician logins (config
  // teams.technicianLogins) catch that; an owner in a technicians' team is a technician either way.
  const ownerIsTechnician =
    owner !== null &&
    (atTechnicians ||
      (ctx.technicianLogins !== undefined && teamSet(ctx.technicianLogins).has(teamKey(owner))));
  const routingOurs = routedTo !== null && sameTeam(currentTeam, routedTo);
  // Once we have recorded an override our own tag writes stamp LastModBy, so the recorded override (not
  // LastModBy) then tells that the team is still the person's choice.
  const overrideRecorded =
    !missing.has(f.override) && !isEmpty(ticket[f.override]) && sameTeam(ticket[f.override], currentTeam);
  const personMoved =
    routedTo !== null && !routingOurs && (!lastByUs || overrideRecorded) && decision.scope !== 'needs_review';
  return {
    school,
    currentTeam,
    owner,
    routedTo,
    destination,
    fingerprint,
    atIntake,
    atTechnicians,
    ownerIsTechnician,
    routingOurs,
    overrideRecorded,
    personMoved,
  };
}

/** Where the routing rules send the ticket (null: stays), and an override to record; pushes the why. */
function routingTarget(
  decision: Decision,
  t: TicketFacts,
  why: string[],
): { target: string | null; override: { from: string; to: string } | null } {
  const { destination, routedTo } = t;
  let target: string | null = null;
  let override: { from: string; to: string } | null = null;
  if (t.personMoved && routedTo !== null) {
    why.push('person_moved');
    if (decision.restricted && (t.atTechnicians || t.ownerIsTechnician)) {
      // Gradebook work never ends with a technician, whoever put it there (issue 4 §3).
      why.push('restricted_beats_override');
      target = destination;
    }
    if (!t.overrideRecorded) override = { from: routedTo, to: t.currentTeam ?? '' };
  } else if (destination !== null) {
    if (t.routingOurs) why.push('routing_ours');
    else if (t.atIntake) why.push('at_intake');
    else if (t.atTechnicians) why.push('at_technicians');
    switch (decision.scope) {
      case 'in_scope':
        if (t.atIntake || t.routingOurs) target = destination;
        break;
      case 'out_of_scope':
      case 'restricted':
        if (
          t.atIntake ||
          t.atTechnicians ||
          t.ownerIsTechnician ||
          t.routingOurs ||
          sameTeam(t.currentTeam, destination)
        ) {
          target = destination;
        }
        break;
      case 'needs_review':
        // Moving vague tickets back to triage only undoes our own routing; a person's triage stands.
        if (t.routingOurs) target = destination;
        break;
    }
    if (target === null) why.push('placed_by_person');
  } else {
    why.push('no_destination');
  }
  return { target, override };
}

/** The target once the gates (closed ticket, shadow mode, kill switch, allow list) apply; pushes the why. */
function gatedTarget(
  ticket: Ticket,
  decision: Decision,
  ctx: PlanContext,
  t: TicketFacts,
  target: string | null,
  why: string[],
): string | null {
  const gate = gateOf(ticket, t.school, ctx);
  // Gradebook work that sits with a technician is moved away even in shadow mode, under the kill switch
  // or for a school outside the allow list: technicians never get grading access, under any
  // circumstance. Only a closed ticket is left as it is (nothing can be done on it any more).
  const protectRestricted =
    gate !== null &&
    gate !== 'final_state' &&
    decision.restricted &&
    (t.atTechnicians || t.ownerIsTechnician);
  if (gate && protectRestricted) {
    why.push(`restricted_beats_gate:${gate}`);
    return target ?? t.destination;
  }
  if (gate) {
    why.push(`tag_only:${gate}`);
    return null;
  }
  return target;
}

/** The HEAT fields that differ from what the ticket shows (tags, team, owner, classification time). */
function fieldsToWrite(
  ticket: Ticket,
  decision: Decision,
  ctx: PlanContext,
  missing: ReadonlySet<string>,
  t: TicketFacts,
  move: { target: string | null; override: { to: string } | null; moving: boolean; clearOwner: boolean },
  why: string[],
): Record<string, unknown> {
  const f = ctx.routing.fields;
  const { target, override, moving } = move;
  const fields: Record<string, unknown> = {};
  const want = (name: string, value: unknown, same = sameFieldValue): void => {
    if (missing.has(name)) return;
    if (!same(ticket[name], value)) fields[name] = value;
  };
  want(f.scope, decision.scope);
  want(f.category, decision.category);
  want(f.ruleId, decision.ruleId);
  want(f.confidence, roundConfidence(decision.confidence));
  want(f.policyVersion, decision.policyVersion);
  want(f.restricted, decision.restricted);
  want(f.decisionHash, t.fingerprint);
  if (target !== null) want(f.routedTo, target, sameTeam);
  if (override) want(f.override, override.to, sameTeam);
  if (moving && target !== null) {
    fields.OwnerTeam = target;
    // HEAT cascades Owner from OwnerTeam and refuses an Owner outside the new team (docs/heat-api.md §8), so
    // the Owner is cleared in the same PATCH (even if our read showed none: it may be stale), or set to
    // the destination's configured owner for tenants that require one.
    fields.Owner = ownerFor(target, ctx.routing);
    why.push(`move:${target}`);
  } else if (move.clearOwner && t.owner !== null) {
    fields.Owner = '';
    why.push('clear_technician_owner');
  }
  if (Object.keys(fields).length > 0 && !missing.has(f.classifiedAt))
    fields[f.classifiedAt] = ctx.now.toISOString();
  return fields;
}

/** The routing note: created with a move, or written if missing when the ticket shows our earlier move. */
function routingNote(
  ticket: Ticket,
  decision: Decision,
  ctx: PlanContext,
  missing: ReadonlySet<string>,
  t: TicketFacts,
  target: string | null,
  moving: boolean,
): { note: ActionNote | null; noteMode: ActionPlan['noteMode'] } {
  const f = ctx.routing.fields;
  if (target === null) return { note: null, noteMode: undefined };
  // Not conditioned on LastModBy: HEAT workflows may restamp it right after our PATCH (docs/heat-api.md §6).
  const ticketShowsOurMove =
    !moving &&
    t.routingOurs &&
    (missing.has(f.decisionHash) || sameFieldValue(ticket[f.decisionHash], t.fingerprint));
  if (!moving && !ticketShowsOurMove) return { note: null, noteMode: undefined };
  const settings = ctx.routing.categories[decision.category];
  const template =
    settings?.note ??
    (decision.scope === 'in_scope' ? DEFAULT_NOTE_TEMPLATES.inScope : DEFAULT_NOTE_TEMPLATES.other);
  const note = renderNote(template, {
    school: t.school,
    team: target,
    category: settings?.displayName ?? decision.category,
    categoryId: decision.category,
    ruleId: decision.ruleId,
    policyVersion: decision.policyVersion,
    fingerprint: t.fingerprint,
    model: decision.model,
    decidedBy: decision.decidedBy,
  });
  return { note, noteMode: moving ? 'create' : 'if-missing' };
}

/**
 * Turns a decision into the writes HEAT needs, comparing with what the ticket already shows. Pure: no
 * I/O, no clock (ctx.now), same inputs give the same plan. See docs/actions.md for the full table.
 *
 * - Tags always follow the decision; only fields that differ are written, and the classification time
 *   only together with another change, so our own write echoing back in the next poll costs nothing.
 * - Routing: out-of-scope and restricted work leaves intake or the technicians; in-scope work leaves
 *   intake for the school's technicians; a ticket whose SBT_RoutedTo still equals its team is "ours"
 *   and follows re-classification. Tickets a person placed elsewhere stay there.
 * - A person's move after our routing is an override: recorded once in SBT_Override, never undone,
 *   except that restricted (gradebook) work never stays with technicians.
 */
export function planActions(ticket: Ticket, decision: Decision, ctx: PlanContext): ActionPlan {
  const f = ctx.routing.fields;
  const missing = ctx.missingFields ?? new Set<string>();
  const why: string[] = [
    `scope:${decision.scope}`,
    `category:${decision.category}`,
    `rule:${decision.ruleId}`,
  ];
  const t = ticketFacts(ticket, decision, ctx, missing);
  const routed = routingTarget(decision, t, why);
  let override = routed.override;
  const target = gatedTarget(ticket, decision, ctx, t, routed.target, why);

  const moving = target !== null && !sameTeam(t.currentTeam, target);
  const clearOwner = target !== null && (moving || (decision.restricted && t.ownerIsTechnician));
  const move = { target, override, moving, clearOwner };
  const fields = fieldsToWrite(ticket, decision, ctx, missing, t, move, why);
  const { note, noteMode } = routingNote(ticket, decision, ctx, missing, t, target, moving);

  let kind: PlanKind;
  if (Object.keys(fields).length === 0 && noteMode !== 'create') kind = 'noop';
  else if (decision.restricted && 'Owner' in fields) kind = 'restrict';
  else if (moving) kind = 'move';
  else if (override && f.override in fields) kind = 'override';
  else kind = 'tag';
  if (override && !(f.override in fields)) override = null;

  const plan: ActionPlan = {
    recId: ticket.RecId,
    kind,
    fields,
    moveTo: moving ? target : null,
    note,
    why,
    fingerprint: t.fingerprint,
    override,
    restricted: decision.restricted,
    lastModDateTime: text(ticket.LastModDateTime),
    routedToField: f.routedTo,
    classifiedAtField: f.classifiedAt,
  };
  if (typeof ticket.IncidentNumber === 'number') plan.incidentNumber = ticket.IncidentNumber;
  if (noteMode) plan.noteMode = noteMode;
  return plan;
}
