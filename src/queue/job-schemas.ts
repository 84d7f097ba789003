import { z } from 'zod';

/**
 * Job payloads outlive deploys, so they are `unknown` until parsed with a versioned schema. They hold
 * ids only: never ticket text, never credentials; the worker reads the ticket from HEAT.
 */
export const ticketJobSchema = z.strictObject({
  v: z.literal(1),
  recId: z.string().regex(/^[0-9A-Fa-f]{32}$/, { message: 'RecId must be 32 hex characters' }),
  /**
   * 'retry': taken back from the retry set after a job ran out of attempts (handled as a retry).
   * 'parked': re-driven from the parked set after a config reload or a backfill (parked-store.ts).
   */
  source: z.enum(['poll', 'webhook', 'backfill', 'reconcile', 'retry', 'parked']),
  /** The LastModDateTime the producer saw, when it saw one. */
  lastModDateTime: z.string().optional(),
  /** ISO time the event reached us (for latency metrics). */
  receivedAt: z.string(),
});

export type TicketJob = z.output<typeof ticketJobSchema>;

export function parseTicketJob(data: unknown): TicketJob {
  return ticketJobSchema.parse(data);
}
