import type { LabelledTicket } from '../classify/index.js';
import type { RoutingPolicyConfig } from '../config/index.js';
import {
  CATEGORY_IDS,
  CATEGORY_SCOPES,
  isEmpty,
  isTechnicianTeam,
  teamKey,
  type CategoryId,
  type Decision,
  type HeatRecord,
} from '../domain/index.js';

/** Where a history example came from: a person's override (SBT_Override) or a closed ticket's final team. */
export type HistorySource = 'override' | 'closed';

/** One labelled ticket from the help desk's own history. */
export interface HistoryExample {
  ticket: LabelledTicket;
  source: HistorySource;
  weight: number;
  /** CreatedDateTime in ms (the time split orders by it). */
  createdMs: number;
}

/** Why history tickets gave no example (counted, never silently lost). */
export interface HistorySkipped {
  /** No team (OwnerTeam, or the override field, empty). */
  noTeam: number;
  /** Owned by a team that is no category's destination nor a technicians' team (e.g. Network Operations). */
  unmappedTeam: number;
  /** Still with the intake team: a ticket the desk closed itself says nothing about whose work it was. */
  atIntake: number;
  /** A technicians' ticket neither rules nor model could place as hardware or software access. */
  inScopeUnsure: number;
  /** No readable CreatedDateTime (the time split needs it). */
  undated: number;
}

export interface HistoryLabelOptions {
  /** Decides a ticket under the current policy (rules + model): splits technicians' work into its sub-categories. */
  decide: (record: HeatRecord) => Decision;
  /** Source weights; defaults: override 3, closed 1. */
  weights?: Partial<Record<HistorySource, number>>;
}

export const DEFAULT_HISTORY_WEIGHTS: Readonly<Record<HistorySource, number>> = Object.freeze({
  override: 3,
  closed: 1,
});

const IN_SCOPE = CATEGORY_IDS.filter((c) => CATEGORY_SCOPES[c] === 'in_scope');

/** teamKey -> the categories whose destination it is (several when categories share a team). */
function destinationIndex(routing: RoutingPolicyConfig): Map<string, CategoryId[]> {
  const index = new Map<string, CategoryId[]>();
  for (const id of CATEGORY_IDS) {
    const destination = routing.categories[id]?.destination;
    if (!destination) continue;
    const key = teamKey(destination);
    index.set(key, [...(index.get(key) ?? []), id]);
  }
  return index;
}

/**
 * The in-scope sub-category of a technicians' ticket: of hardware and software access, the one the
 * model gives the higher probability; without model evidence for either, the rules' decision when it
 * is one of them, else the higher rule score of the two; null when nothing speaks for either.
 */
export function inScopeCategoryOf(decision: Decision): CategoryId | null {
  const top = decision.model?.top.filter((t) => IN_SCOPE.includes(t.category)) ?? [];
  if (top.length > 0) return top.reduce((a, b) => (b.probability > a.probability ? b : a)).category;
  if (IN_SCOPE.includes(decision.category)) return decision.category;
  let best: CategoryId | null = null;
  let bestScore = 0;
  for (const c of IN_SCOPE) {
    const score = decision.reasons.filter((r) => r.category === c).reduce((s, r) => s + r.weight, 0);
    if (score > bestScore) [best, bestScore] = [c, score];
  }
  return best;
}

/**
 * Labels of history tickets from the team that finally owned them (pure). A record with a non-empty
 * override field (routing.yaml `fields.override`, the team a person moved the ticket to) is labelled by
 * that team, with the override weight; any other record by its OwnerTeam, with the closed weight. A
 * team maps back to the categories whose `destination` it is (compared by teamKey); a technicians'
 * team (teams.technicians, teams.perSchool) means in scope, split by `inScopeCategoryOf`.
 */
export function labelsFromHistory(
  records: readonly HeatRecord[],
  routing: RoutingPolicyConfig,
  options: HistoryLabelOptions,
): { examples: HistoryExample[]; skipped: HistorySkipped } {
  const weights = { ...DEFAULT_HISTORY_WEIGHTS, ...options.weights };
  const byTeam = destinationIndex(routing);
  const intake = teamKey(routing.teams.intake);
  const skipped: HistorySkipped = { noTeam: 0, unmappedTeam: 0, atIntake: 0, inScopeUnsure: 0, undated: 0 };
  const examples: HistoryExample[] = [];
  for (const record of records) {
    const overridden = !isEmpty(record[routing.fields.override]);
    const source: HistorySource = overridden ? 'override' : 'closed';
    const team = overridden ? record[routing.fields.override] : record.OwnerTeam;
    if (typeof team !== 'string' || team.trim() === '') {
      skipped.noTeam += 1;
      continue;
    }
    const createdMs = Date.parse(String(record.CreatedDateTime ?? ''));
    if (Number.isNaN(createdMs)) {
      skipped.undated += 1;
      continue;
    }
    let labels: CategoryId[];
    if (isTechnicianTeam(routing.teams, team)) {
      const sub = inScopeCategoryOf(options.decide(record));
      if (sub === null) {
        skipped.inScopeUnsure += 1;
        continue;
      }
      labels = [sub];
    } else if (teamKey(team) === intake) {
      skipped.atIntake += 1;
      continue;
    } else {
      const mapped = byTeam.get(teamKey(team));
      if (!mapped) {
        skipped.unmappedTeam += 1;
        continue;
      }
      labels = mapped;
    }
    examples.push({ ticket: { ...record, expect: labels }, source, weight: weights[source], createdMs });
  }
  return { examples, skipped };
}

/**
 * Splits items by time: the newest `fraction` (rounded to the nearest item) by `createdMs` are held out,
 * the rest train. Ties are broken by RecId, so the split is the same whatever order HEAT returned.
 */
export function timeSplit<T extends { createdMs: number; ticket: HeatRecord }>(
  items: readonly T[],
  fraction: number,
): { train: T[]; heldOut: T[] } {
  if (!(fraction >= 0 && fraction < 1))
    throw new RangeError(`the held-out share must be in [0, 1), got ${fraction}`);
  const sorted = items
    .slice()
    .sort(
      (a, b) => a.createdMs - b.createdMs || String(a.ticket.RecId).localeCompare(String(b.ticket.RecId)),
    );
  const held = Math.round(items.length * fraction);
  return { train: sorted.slice(0, sorted.length - held), heldOut: sorted.slice(sorted.length - held) };
}
