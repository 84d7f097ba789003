/** Characters that render as nothing and are never part of a team name. */
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff\u00ad]/g;

/**
 * The one definition of "the same team name" (and of the same login), used everywhere a team name is
 * compared: config checks, routing (plan-actions), the live team check. HEAT's `eq` on validated values
 * is case-insensitive (docs/heat-api.md §4); on top of that a name pasted with a non-breaking space, a double
 * space, full-width letters or another case must not count as another team, or a restricted ticket
 * could be sent to "School\u00a0Technicians" while the check only refuses "School Technicians".
 * Unicode NFKC, invisible characters removed, every run of white space one space, trimmed, case folded.
 */
export function teamKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .toUpperCase()
    .toLowerCase();
}

/** Whether two team names (or logins) name the same team under teamKey. */
export function sameTeamName(a: string, b: string): boolean {
  return teamKey(a) === teamKey(b);
}

/** The teams of routing.yaml `teams` that are technicians' teams: the district-wide one and each school's. */
export interface TechnicianTeams {
  technicians: string;
  perSchool: Readonly<Record<string, string>>;
}

/** Whether `name` is one of the technicians' teams (compared as teamKey does). */
export function isTechnicianTeam(teams: TechnicianTeams, name: string): boolean {
  const key = teamKey(name);
  return teamKey(teams.technicians) === key || Object.values(teams.perSchool).some((t) => teamKey(t) === key);
}
