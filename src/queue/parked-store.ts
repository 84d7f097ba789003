import type { Redis } from 'ioredis';
import { commandBatcherFor } from './command-batcher.js';
import { queueKeys } from './queue-keys.js';

/** Why HEAT refused a ticket's move in a way only a config change (or a person) can fix. */
export type ParkReason =
  /** HEAT does not know the destination team (or the configured owner): "not in the validation list". */
  'unknown_destination';

/** One parked ticket: ids and config names only, never ticket text. */
export interface ParkedTicket {
  reason: ParkReason;
  /** The destination team HEAT refused. */
  team: string | null;
  /** ISO time it was parked. */
  at: string;
}

/**
 * Tickets HEAT refused because of our configuration (a destination team it does not know). They were
 * tagged but not moved, and nothing in HEAT will bring them back once the config is fixed: a successful
 * reload and every backfill queue them again, and a job that finishes without the refusal unparks them.
 */
export interface ParkedStore {
  park(recId: string, entry: ParkedTicket): Promise<void>;
  /** True when the ticket was parked. */
  unpark(recId: string): Promise<boolean>;
  /** Every parked ticket (RecId -> entry); an unreadable entry is reported with reason as stored. */
  list(): Promise<Map<string, ParkedTicket>>;
  size(): Promise<number>;
}

export function createParkedStore(redis: Redis, prefix: string): ParkedStore {
  const key = queueKeys(prefix).parked;
  // Every finished job asks to unpark its ticket (almost always a no-op): sent together.
  const batch = commandBatcherFor(redis);
  return {
    async park(recId, entry) {
      await redis.hset(key, recId, JSON.stringify(entry));
    },
    async unpark(recId) {
      return (await batch.run<number>((p) => p.hdel(key, recId))) > 0;
    },
    async list() {
      const all = await redis.hgetall(key);
      const out = new Map<string, ParkedTicket>();
      for (const [recId, raw] of Object.entries(all)) out.set(recId, parseEntry(raw));
      return out;
    },
    size: () => redis.hlen(key),
  };
}

function parseEntry(raw: string): ParkedTicket {
  try {
    const v = JSON.parse(raw) as Partial<ParkedTicket>;
    return {
      reason: v.reason ?? 'unknown_destination',
      team: typeof v.team === 'string' ? v.team : null,
      at: typeof v.at === 'string' ? v.at : '',
    };
  } catch {
    // Still re-driven: the RecId is what matters.
    return { reason: 'unknown_destination', team: null, at: '' };
  }
}
