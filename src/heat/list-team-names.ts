import { TEAMS_SET } from './heat-paths.js';
import type { HeatClient } from './types.js';

/** The names of HEAT's teams: the `Team` field of the standarduserteams business object (docs/heat-api.md §7.1). */
export async function listTeamNames(client: HeatClient): Promise<string[]> {
  const rows = await client.list(TEAMS_SET, { select: ['Team'] });
  return rows.map((r) => String(r['Team'] ?? ''));
}
