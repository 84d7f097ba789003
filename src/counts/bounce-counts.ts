import type { ChainableCommander, Redis } from 'ioredis';
import { commandBatcherFor } from '../queue/index.js';
import { countsKeys, SEP, type CountsKeys } from './counts-keys.js';

/** What happened to a ticket's routing, as counted for the bounce rate. */
export type BounceKind = 'routed' | 'override';
const KINDS: readonly BounceKind[] = ['routed', 'override'];

/** One school's routing figures for one period. */
export interface SchoolBounce {
  period: string;
  school: string;
  /** Tickets the router routed (it set the routed-to field, fields.routedTo). */
  routed: number;
  /** Of those, tickets a person then moved away from where the router sent them (fields.override). */
  overrides: number;
  /** overrides / routed, 0..1 rounded to 4 places; null when the router routed none. */
  bounceRate: number | null;
}

/** overrides / routed rounded to 4 places, or null without a routed ticket (no rate, not 0%). */
export function bounceRateOf(overrides: number, routed: number): number | null {
  if (routed <= 0) return null;
  return Math.round((overrides / routed) * 10_000) / 10_000;
}

/*
 * KEYS: 1 period's bounce hash, 2 period's bounce member set. ARGV: 1 unix time the period's keys expire,
 * 2 school, 3 RecId, then the kinds to count. Each kind counts once per ticket and period (SADD says
 * whether the ticket is new), whatever retries or repeated overrides ask. Returns the kinds newly counted.
 */
const RECORD_BOUNCE_LUA = `
local added = {}
for i = 4, #ARGV do
  if redis.call('SADD', KEYS[2], ARGV[i] .. '\\31' .. ARGV[3]) == 1 then
    redis.call('HINCRBY', KEYS[1], ARGV[i] .. '\\31' .. ARGV[2], 1)
    added[#added + 1] = ARGV[i]
  end
end
redis.call('EXPIREAT', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[2], ARGV[1])
return added
`;

const COMMAND = 'sbtCountsRecordBounce';
type RecordCommand = (...args: Array<string | number>) => Promise<string[]>;

/**
 * Counts a ticket as routed and/or overridden in a period, once per ticket (Lua, atomic). `expiresAt` is
 * periodExpiresAt: the keys live exactly as long as the period's per-school counts.
 */
export function createBounceRecorder(redis: Redis, keys: CountsKeys, expiresAt: (period: string) => number) {
  // Sent with the other jobs' commands of the same event-loop turn (one pipeline).
  const batch = commandBatcherFor(redis);
  batch.defineCommand(COMMAND, { numberOfKeys: 2, lua: RECORD_BOUNCE_LUA });
  const run = (...args: Array<string | number>) =>
    batch.run<string[]>((p: ChainableCommander) =>
      ((p as unknown as Record<string, RecordCommand>)[COMMAND] as RecordCommand).call(p, ...args),
    );
  return async function recordBounce(
    period: string,
    school: string,
    recId: string,
    kinds: readonly BounceKind[],
  ): Promise<BounceKind[]> {
    if (kinds.length === 0) return [];
    const added = await run(
      keys.bounce(period),
      keys.bounceMembers(period),
      expiresAt(period),
      school,
      recId,
      ...kinds,
    );
    return added.filter((k): k is BounceKind => (KINDS as readonly string[]).includes(k));
  };
}

export type RecordBounce = ReturnType<typeof createBounceRecorder>;

/** Per-school routing figures from `kind US school -> count` entries, sorted by school name. */
export function aggregateBounces(period: string, entries: Iterable<[string, number]>): SchoolBounce[] {
  const bySchool = new Map<string, SchoolBounce>();
  for (const [field, count] of entries) {
    const at = field.indexOf(SEP);
    const kind = field.slice(0, at);
    const school = field.slice(at + 1);
    if (at < 0 || !(KINDS as readonly string[]).includes(kind) || !Number.isFinite(count)) continue;
    const row = bySchool.get(school) ?? { period, school, routed: 0, overrides: 0, bounceRate: null };
    if (kind === 'routed') row.routed += count;
    else row.overrides += count;
    bySchool.set(school, row);
  }
  const rows = [...bySchool.values()];
  for (const row of rows) row.bounceRate = bounceRateOf(row.overrides, row.routed);
  return rows.sort((a, b) => a.school.localeCompare(b.school));
}

/** A period's routing figures per school as Redis holds them (the report reads only Redis). */
export async function readSchoolBounces(
  redis: Redis,
  queuePrefix: string,
  period: string,
): Promise<SchoolBounce[]> {
  const hash = await redis.hgetall(countsKeys(queuePrefix).bounce(period));
  return aggregateBounces(
    period,
    Object.entries(hash).map(([field, value]) => [field, Number(value)]),
  );
}

/** The district's figures: every school's, the tickets without a school included. */
export function districtBounce(period: string, rows: readonly SchoolBounce[]): SchoolBounce {
  const routed = rows.reduce((n, r) => n + r.routed, 0);
  const overrides = rows.reduce((n, r) => n + r.overrides, 0);
  return { period, school: '', routed, overrides, bounceRate: bounceRateOf(overrides, routed) };
}

/** The school's row, or one with no ticket routed. */
export function bounceOf(rows: readonly SchoolBounce[], period: string, school: string): SchoolBounce {
  return (
    rows.find((r) => r.school === school) ?? { period, school, routed: 0, overrides: 0, bounceRate: null }
  );
}
