import { join } from 'node:path';
import { teamKey } from '../domain/index.js';
import type { ConfigProblem } from './config-error.js';
import type { LoadedConfig } from './load-config.js';

/** Teams the policy routes to (intake, technicians, per-school teams, category destinations) -> their key. */
export function destinationTeams(cfg: LoadedConfig): Map<string, string> {
  const teams = new Map<string, string>();
  teams.set(cfg.routing.teams.intake, 'teams.intake');
  teams.set(cfg.routing.teams.technicians, 'teams.technicians');
  for (const [school, team] of Object.entries(cfg.routing.teams.perSchool))
    teams.set(team, `teams.perSchool.${school}`);
  for (const [id, settings] of Object.entries(cfg.routing.categories)) {
    if (settings?.destination) teams.set(settings.destination, `categories.${id}.destination`);
  }
  return teams;
}

/**
 * The one comparison of the policy's teams with the teams HEAT has (the `Team` values of
 * standarduserteams), under teamKey: `config check --live` and a reload both use it. Pure.
 */
export function unknownDestinationTeams(cfg: LoadedConfig, heatTeams: Iterable<string>): ConfigProblem[] {
  const known = new Set([...heatTeams].map(teamKey));
  const problems: ConfigProblem[] = [];
  for (const [team, key] of destinationTeams(cfg)) {
    if (known.has(teamKey(team))) continue;
    problems.push({
      file: join(cfg.dir, 'routing.yaml'),
      key,
      problem: `team "${team}" does not exist in HEAT (standarduserteams)`,
      fix: 'create the team in HEAT or correct the name (spelling and spaces must match the Team field; docs/heat-setup.md "Teams")',
    });
  }
  return problems;
}
