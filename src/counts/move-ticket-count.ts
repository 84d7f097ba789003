import type { ChainableCommander, Redis } from 'ioredis';
import { commandBatcherFor } from '../queue/index.js';
import type { CountsKeys } from './counts-keys.js';
import {
  countField,
  decodeTicketState,
  encodeTicketState,
  type TicketCountState,
} from './ticket-count-state.js';

/**
 * Moves one ticket's count from its old (period, school, category, scope) to its new one, atomically.
 * Compare-and-set: the script runs only if the ticket's stored state is still the one the caller read,
 * so two workers counting the same ticket at once cannot both move it (the loser re-reads and finds
 * nothing left to do). All keys are declared (KEYS[]), as Redis Cluster requires.
 *
 * KEYS: 1 ticket state, 2 new period hash, 3 new period members, 4 old period hash, 5 old period
 *       members, 6 dirty schools
 * ARGV: 1 expected current state ('' = none), 2 new state ('' = forget the ticket), 3 new hash field,
 *       4 old hash field, 5 RecId, 6 due ms, 7 school to mark dirty for the new state ('' = none),
 *       8 school to mark dirty for the old state ('' = none), 9 unix time at which the new period's keys
 *       expire (the ticket state, the hash and the member set get it on every write: periodExpiresAt)
 * Returns -1 when the state changed under us, 0 when nothing had to change, 1 when counts moved.
 */
const MOVE_TICKET_COUNT_LUA = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return -1 end
if current == ARGV[2] then return 0 end
if current ~= '' then
  local left = redis.call('HINCRBY', KEYS[4], ARGV[4], -1)
  if left <= 0 then redis.call('HDEL', KEYS[4], ARGV[4]) end
  redis.call('SREM', KEYS[5], ARGV[5])
  if ARGV[8] ~= '' then redis.call('ZADD', KEYS[6], 'NX', ARGV[6], ARGV[8]) end
end
if ARGV[2] ~= '' then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  redis.call('EXPIREAT', KEYS[2], ARGV[9])
  redis.call('SADD', KEYS[3], ARGV[5])
  redis.call('EXPIREAT', KEYS[3], ARGV[9])
  redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[9])
  if ARGV[7] ~= '' then redis.call('ZADD', KEYS[6], 'NX', ARGV[6], ARGV[7]) end
else
  redis.call('DEL', KEYS[1])
end
return 1
`;

const COMMAND = 'sbtCountsMoveTicket';

type MoveCommand = (...args: Array<string | number>) => Promise<number>;

export interface MoveTicketCountOptions {
  /** Ms when the school's write-back becomes due if this marks it dirty. */
  dueMs: number;
  /** Whether a change in this state's school should schedule a write-back (current period, real school). */
  marksDirty: (state: TicketCountState) => boolean;
}

/**
 * Registers the Lua script on the batcher's connection (ioredis defineCommand: EVALSHA with EVAL fallback).
 * `expiresAt(period)` is the unix time (s) at which a period's keys expire (periodExpiresAt).
 */
export function createTicketCountMover(
  redis: Redis,
  keys: CountsKeys,
  expiresAt: (period: string) => number,
) {
  // The GET and the script of every job in flight go out together (one pipeline per event-loop turn).
  const batch = commandBatcherFor(redis);
  batch.defineCommand(COMMAND, { numberOfKeys: 6, lua: MOVE_TICKET_COUNT_LUA });
  const run = (...args: Array<string | number>) =>
    batch.run<number>((p: ChainableCommander) =>
      ((p as unknown as Record<string, MoveCommand>)[COMMAND] as MoveCommand).call(p, ...args),
    );

  /** Sets the ticket's counted state (null = forget it); returns whether any counter changed. */
  return async function moveTicketCount(
    recId: string,
    next: TicketCountState | null,
    options: MoveTicketCountOptions,
  ): Promise<boolean> {
    const nextText = next ? encodeTicketState(next) : '';
    // Contention is only between jobs for the same ticket, so a few optimistic rounds always suffice.
    for (let attempt = 0; attempt < 100; attempt++) {
      const currentText = (await batch.run<string | null>((p) => p.get(keys.ticket(recId)))) ?? '';
      if (currentText === nextText) return false;
      const current = currentText ? decodeTicketState(currentText) : null;
      const newPeriod = next?.period ?? current?.period ?? '';
      const oldPeriod = current?.period ?? newPeriod;
      const result = await run(
        keys.ticket(recId),
        keys.period(newPeriod),
        keys.members(newPeriod),
        keys.period(oldPeriod),
        keys.members(oldPeriod),
        keys.dirty,
        currentText,
        nextText,
        next ? countField(next) : '',
        current ? countField(current) : '',
        recId,
        options.dueMs,
        next && options.marksDirty(next) ? next.school : '',
        current && options.marksDirty(current) ? current.school : '',
        next ? expiresAt(next.period) : 0,
      );
      if (result === 1) return true;
      if (result === 0) return false;
    }
    throw new Error(
      `counts for ticket ${recId} kept changing under 100 attempts; is a process looping on it?`,
    );
  };
}

export type MoveTicketCount = ReturnType<typeof createTicketCountMover>;
