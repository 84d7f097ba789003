/**
 * Redis keys of the counters. They all start with the BullMQ prefix (`{sbt}` by default) so that in a
 * Redis Cluster they share one hash slot, which the Lua script needs to touch several keys at once.
 */
export interface CountsKeys {
  /**
   * String: the ticket's counted state, `period US school US category US scope` (US = \x1f). Expires with
   * its period's keys (periodExpiresAt), as do `period` and `members`.
   */
  ticket(recId: string): string;
  /** Hash: `school US category US scope` -> count, for one period. */
  period(period: string): string;
  /** Set: RecIds counted in a period (reconcile finds tickets that HEAT no longer has there). */
  members(period: string): string;
  /** Sorted set: school -> ms when its next write-back is due. */
  dirty: string;
  /**
   * Hash: school -> JSON of the field values last written to HEAT. A cache: the current period's
   * reconcile prunes it to the schools with counts in that period that have a record in HEAT.
   */
  written: string;
  /** Hash: school -> RecId of its record in the school set (cached lookup; pruned like `written`). */
  schoolRecIds: string;
  /** String with a TTL: held by the one process writing this school's record (write-school-counts.ts). */
  writing(school: string): string;
  /**
   * Sorted set: school -> Redis-time ms when the lease of the process writing it ends (renewed while it
   * writes). A school whose lease ran out (its writer died after claiming it) goes back to `dirty`.
   */
  inflight: string;
  /**
   * Hash: `routed US school` / `override US school` -> tickets, for one period: tickets the router
   * routed, and of those, tickets a person then moved elsewhere (bounce rate). Expires with the period.
   */
  bounce(period: string): string;
  /** Set: `routed US RecId` / `override US RecId` already counted in a period (each ticket counts once). */
  bounceMembers(period: string): string;
}

export function countsKeys(prefix: string): CountsKeys {
  const base = `${prefix}:counts`;
  return {
    ticket: (recId) => `${base}:t:${recId}`,
    period: (period) => `${base}:p:${period}`,
    members: (period) => `${base}:m:${period}`,
    dirty: `${base}:dirty`,
    written: `${base}:written`,
    schoolRecIds: `${base}:school-recid`,
    writing: (school) => `${base}:writing:${school}`,
    inflight: `${base}:inflight`,
    bounce: (period) => `${base}:b:${period}`,
    bounceMembers: (period) => `${base}:bm:${period}`,
  };
}

/** Unit separator: cannot occur in a school name typed into HEAT. */
export const SEP = '\x1f';
