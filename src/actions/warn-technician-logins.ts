import type { TeamsConfig } from '../config/index.js';
import type { Logger } from '../observability/index.js';

/**
 * Without technicianLogins, a gradebook ticket that a technician owns outside the technicians' team
 * cannot be recognised as theirs, so its Owner is kept: say so at start-up.
 */
export function warnTechnicianLoginsUnset(teams: TeamsConfig, logger: Logger): void {
  if (teams.technicianLogins.length > 0) return;
  logger.warn(
    "teams.technicianLogins is empty: a gradebook ticket a technician owns outside the technicians' team keeps its Owner",
    {
      event: 'technician_logins_unset',
      fix: "list the technicians' HEAT logins under teams.technicianLogins in routing.yaml",
    },
  );
}
