/** The two fields of a ticket version that tell whether it is our own write coming back. */
export interface TicketVersion {
  lastModBy?: unknown;
  lastModDateTime?: unknown;
}

/**
 * Our own write echoing back (through the poll or a webhook): the last change is ours (LastModBy is
 * our HEAT account), or it is the exact version a job already finished (`finishedAt`, from the
 * processed store: a worker may still be between its PATCH and marking it done). Such a version costs
 * no job. The poller and the webhook both ask here.
 */
export function isEcho(version: TicketVersion, finishedAt: unknown, account: string): boolean {
  const ours =
    typeof version.lastModBy === 'string' && version.lastModBy.toLowerCase() === account.toLowerCase();
  return ours || sameInstant(finishedAt, version.lastModDateTime);
}

/** Two HEAT timestamps name the same instant (HEAT renders offsets; a webhook template may differ). */
export function sameInstant(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Date.parse(a);
  return !Number.isNaN(x) && x === Date.parse(b);
}
