import { sameTeamName } from '../domain/index.js';
import { eq, NOTES_SET, or, type HeatClient } from '../heat/index.js';
import type { Logger } from '../observability/index.js';
import { routingNoteSubject } from './render-note.js';

/** The fix for a heat.account that is not the login HEAT stamps on our writes (one wording everywhere). */
export const ACCOUNT_FIX =
  'set heat.account in service.yaml to the API key\'s "On Behalf Of" login (a dedicated service account)';

/**
 * Whether the login HEAT stamped on one of our writes (LastModBy of a PATCH result, CreatedBy of our
 * note) is another account than service.yaml heat.account. Echo and override detection read LastModBy:
 * with the wrong account every echo costs a job and a person's edits may be taken for ours.
 */
export function isAccountMismatch(configured: string, stampedBy: string): boolean {
  return !sameTeamName(configured, stampedBy);
}

/**
 * Who HEAT says wrote our latest routing notes, read-only: HEAT offers no "who am I", and a request
 * with a key runs as the key's "On Behalf Of" account (docs/heat-api.md §2.1), which the server stamps as
 * CreatedBy on every note we create (workflows restamp incidents, not our notes). The notes are found by
 * their subject, one per destination team. [] when HEAT holds no note of ours yet.
 */
export async function readNoteAuthors(heat: HeatClient, teams: readonly string[]): Promise<string[]> {
  if (teams.length === 0) return [];
  let rows: Record<string, unknown>[] = [];
  for await (const page of heat.pages(NOTES_SET, {
    filter: or(...teams.map((team) => eq('Subject', routingNoteSubject(team)))),
    select: ['CreatedBy'],
    orderby: 'CreatedDateTime desc',
    top: 20,
  })) {
    rows = page;
    break;
  }
  return [...new Set(rows.map((r) => r['CreatedBy']).filter((v): v is string => typeof v === 'string'))];
}

/**
 * The service's use of isAccountMismatch: the returned function compares the login HEAT stamped on our
 * first write with the configured account, once per process, and logs an error with the fix on a
 * mismatch. Calls before the first write (null) are ignored.
 */
export function createAccountCheck(account: string, logger: Logger): (writtenBy: string | null) => void {
  let checked = false;
  return (writtenBy) => {
    if (writtenBy === null || checked) return;
    checked = true;
    if (!isAccountMismatch(account, writtenBy)) return;
    // Echo and override detection read LastModBy: with the wrong account every echo costs a job and a
    // person's edits may be taken for ours.
    logger.error('HEAT stamps our writes with another login than heat.account', {
      event: 'account_mismatch',
      configured: account,
      stampedBy: writtenBy,
      fix: ACCOUNT_FIX,
    });
  };
}
