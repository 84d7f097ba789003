/**
 * Redis keys of the ticket stores beside the BullMQ queue. They start with the queue prefix (`{sbt}`
 * by default), so that in a Redis Cluster they share the queue's hash slot.
 */
export interface QueueKeys {
  /** String: the ticket version we last finished (processed-store.ts). Expires. */
  seen(recId: string): string;
  /** Set: RecIds whose job ran out of retries for a reason that may pass (retry-store.ts). */
  retry: string;
  /** Hash: RecId -> JSON {reason, team, at} of tickets HEAT refused because of our config (parked-store.ts). */
  parked: string;
}

export function queueKeys(prefix: string): QueueKeys {
  return {
    seen: (recId) => `${prefix}:seen:${recId}`,
    retry: `${prefix}:retry`,
    parked: `${prefix}:parked`,
  };
}
