import type { Rng } from './create-rng.js';
import type { IntentLabel } from './intent-labels.js';
import { TEAM_NAMES } from './seed-people.js';

/**
 * The team that really owns each kind of work in the simulated district (the simulator's own intent
 * labels and team names; nothing of a router's configuration). Vague tickets stay with the service desk.
 */
export const INTENT_TEAMS: Readonly<Record<IntentLabel, string>> = Object.freeze({
  hardware: 'School Technicians',
  software_access: 'School Technicians',
  telephone: 'Telecommunications',
  website: 'Web Services',
  office_development: 'School Administration',
  application_support: 'ITS Application Support',
  gradebook_admin: 'Gradebook Managers',
  unclassified: 'ITS Service Desk',
});

/** Closed history and people's overrides seeded beside the live tickets (SimulatorOptions.history). */
export interface HistoryOptions {
  /** Resolved or Closed tickets, created 91-119 days before now, each owned at the end by its team. */
  closed: number;
  /** Share (0..1) of the closed tickets whose final team is a wrong one (a person's slip). Default 0.1. */
  mislabelRate?: number;
  /** Active tickets a person moved after routing: SBT_Override and OwnerTeam are the right team. Default 0. */
  overrides?: number;
}

/** What the generator decided about one history ticket's ownership. */
export interface HistoryOwnership {
  finalTeam: string;
  mislabelled: boolean;
}

/** The final team of a closed ticket with intent `intent`: its real team, or (at `mislabelRate`) another one. */
export function closedOwnership(rng: Rng, intent: IntentLabel, mislabelRate: number): HistoryOwnership {
  const right = INTENT_TEAMS[intent];
  if (!rng.chance(mislabelRate)) return { finalTeam: right, mislabelled: false };
  return { finalTeam: rng.pick(TEAM_NAMES.filter((t) => t !== right)), mislabelled: true };
}

/** The team a ticket had been routed to before a person moved it to `right` (a team of the intent table). */
export function routedBeforeOverride(rng: Rng, right: string): string {
  const teams = [...new Set(Object.values(INTENT_TEAMS))].filter((t) => t !== right);
  return rng.pick(teams);
}

/** Validates the option (a clear error naming the key and the fix). */
export function validateHistory(history: HistoryOptions): Required<HistoryOptions> {
  const out = { mislabelRate: 0.1, overrides: 0, ...history };
  const count = (key: 'closed' | 'overrides', v: number): void => {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`history.${key} must be a whole number of tickets (0 or more), got ${v}`);
  };
  count('closed', out.closed);
  count('overrides', out.overrides);
  if (!(out.mislabelRate >= 0 && out.mislabelRate <= 1))
    throw new RangeError(`history.mislabelRate must be a share between 0 and 1, got ${out.mislabelRate}`);
  return out;
}
