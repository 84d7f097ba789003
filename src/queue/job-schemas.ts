import { z } from 'zod';

/**
 * Largest carried record (its JSON) a producer puts in a job; a bigger one is left out and the worker
 * reads the ticket instead. Keeps Redis memory per waiting job small.
 */
export const MAX_CARRIED_RECORD_BYTES = 16_384;

/** A field value as HEAT renders it in JSON (no nested objects in an incident record). */
const fieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * Job payloads outlive deploys, so they are `unknown` until parsed with a versioned schema. They hold
 * ids, and at most the fields of the ticket the worker needs (`record`), never credentials; nothing of
 * `record` is ever logged.
 */
export const ticketJobSchema = z.strictObject({
  v: z.literal(1),
  recId: z.string().regex(/^[0-9A-Fa-f]{32}$/, { message: 'RecId must be 32 hex characters' }),
  /**
   * 'retry': taken back from the retry set after a job ran out of attempts (handled as a retry).
   * 'parked': re-driven from the parked set after a config reload or a backfill (parked-store.ts).
   * 'backfill': backfill work; it yields to live work when the HEAT call budget runs low
   * (isBackfillJob; docs/heat-client.md "Budget").
   */
  source: z.enum(['poll', 'webhook', 'backfill', 'reconcile', 'retry', 'parked']),
  /** The LastModDateTime the producer saw, when it saw one. */
  lastModDateTime: z.string().optional(),
  /** ISO time the event reached us (for latency metrics). */
  receivedAt: z.string(),
  /**
   * The ticket as the producer saw it (a poll page row, or a webhook body with every field needed):
   * only the fields the classifier, the planner and the counts read, at version `lastModDateTime`.
   * With it the worker needs no GET; without it (or when too old for a move) it reads the ticket.
   */
  record: z.record(z.string(), fieldValueSchema).optional(),
  /** ISO time at which `record` was known to be HEAT's current version (poll read time, or the save). */
  seenAt: z.string().optional(),
  /** Times the worker put this job off for the HEAT budget (not attempts: the handler is not retrying). */
  deferrals: z.number().int().min(0).optional(),
});

export type TicketJob = z.output<typeof ticketJobSchema>;
export type CarriedRecord = NonNullable<TicketJob['record']>;

export function parseTicketJob(data: unknown): TicketJob {
  return ticketJobSchema.parse(data);
}

/** Backfill work: delayed by the worker while the shared HEAT budget is over its high-water mark. */
export function isBackfillJob(job: Pick<TicketJob, 'source'>): boolean {
  return job.source === 'backfill';
}

/**
 * The fields of a HEAT record a job may carry: `fields` only (case-insensitive names, as HEAT's), with
 * plain values; null when a field is missing (HEAT leaves nothing out of a full or `$select`ed record,
 * so a missing one means the record cannot stand in for a read) or the whole is over the size limit.
 */
export function carriedRecordOf(
  record: Readonly<Record<string, unknown>>,
  fields: readonly string[],
): CarriedRecord | null {
  const byLower = new Map<string, string>();
  for (const key of Object.keys(record)) byLower.set(key.toLowerCase(), key);
  const out: CarriedRecord = {};
  for (const field of fields) {
    const key = byLower.get(field.toLowerCase());
    if (key === undefined) return null;
    const value = record[key];
    if (
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'number' &&
      typeof value !== 'boolean'
    )
      return null;
    out[field] = value;
  }
  if (Buffer.byteLength(JSON.stringify(out)) > MAX_CARRIED_RECORD_BYTES) return null;
  return out;
}
