// The decisions of reconcile, without I/O: given what was read from HEAT and Redis, which tickets are
// corrected, moved to another period or removed, whether the counters are rebuilt, what the school
// records get and what the result reports. read-reconcile-input.ts gathers the input,
// apply-reconcile.ts performs the plan, reconcile-counts.ts runs the three (docs/counts.md, Reconcile).
import { CATEGORY_IDS, isCategoryId, SCOPE_IDS, type HeatRecord, type ScopeId } from '../domain/index.js';
import { periodOf, type PeriodConfig } from './period-of.js';
import { aggregateCounts } from './read-period-counts.js';
import { emptySchoolCounts, type SchoolCounts } from './school-counts.js';
import { schoolNameOf } from './school-name-of.js';
import {
  countField,
  decodeTicketState,
  encodeTicketState,
  type TicketCountState,
} from './ticket-count-state.js';

/** One number that Redis had wrong: a school's scope or category count, or its total. */
export interface CountDifference {
  school: string;
  /** A scope id, a category id, or "total". */
  column: string;
  before: number;
  after: number;
}

/** One incident row as reconcile reads it; the read step maps the configured field names onto it. */
export interface ReconcileRow {
  /** '' when the row has no RecId. */
  recId: string;
  incidentNumber: unknown;
  createdDateTime: unknown;
  /** The incident's school field (counts.schoolField). */
  school: unknown;
  /** The tag fields (routing.yaml `fields.category` / `fields.scope`). */
  category: unknown;
  scope: unknown;
}

/** What Redis holds for the period, read before anything is changed. */
export interface RedisSnapshot {
  /** The period's counter hash: `school US category US scope` -> count. */
  counters: Readonly<Record<string, number>>;
  /** RecIds Redis counts in the period (its member set). */
  members: readonly string[];
  /** Stored state text (encodeTicketState) per RecId, for the range's tickets and the members; absent: none. */
  states: ReadonlyMap<string, string>;
}

/** Everything reconcile plans from, except the school records. */
export interface TicketCountsInput {
  period: string;
  periodConfig: PeriodConfig;
  /** The widened range's answer, pages in order; rows repeated across pages are dropped here. */
  rangeRows: readonly ReconcileRow[];
  redis: RedisSnapshot;
  /** Rows the look-up of recIdsToLookUp() returned; a RecId asked for and not among them is gone from HEAT. */
  lookedUp: readonly ReconcileRow[];
}

export interface ReconcileInput extends TicketCountsInput {
  /** The period school records show (the one `now` falls in); only then are school records planned. */
  currentPeriod: string;
  schoolRecords: {
    /** counts.schoolKeyField: the field of a school record that holds the incident's school name. */
    keyField: string;
    /** Records whose period field shows this period; empty when the tenant refused that filter. */
    showingPeriod: readonly HeatRecord[];
    /** Records found by name for schoolsToLookUp(). */
    byName: readonly HeatRecord[];
  };
}

/** A ticket's count set to this state (its move script decrements the old field, increments the new). */
export interface TicketMove {
  recId: string;
  state: TicketCountState;
}

/** Counts to write onto one school record; the writer PATCHes only the fields that differ from `record`. */
export interface SchoolRecordWrite {
  school: string;
  recId: string;
  counts: SchoolCounts;
  /** The record as HEAT returned it. */
  record: HeatRecord;
  /** The school has counts now: its RecId is cached and its cache entries are kept. */
  hasCounts: boolean;
}

export interface SchoolRecordsPlan {
  writes: SchoolRecordWrite[];
  /** Schools whose `written` / `school-recid` cache entries stay; every other entry is pruned. */
  keepCached: string[];
  /** Schools with counts in the period that have no record in the school set, sorted. */
  unknownSchools: string[];
}

/** The ticket figures of a reconcile (ReconcileResult carries them). */
export interface ReconcileFigures {
  /** Distinct tickets the range query returned (the period and the margins). */
  ticketsRead: number;
  /** Tickets counted from their tags. */
  counted: number;
  /** Tickets without a category tag yet (not classified); skipped and left as Redis has them. */
  untagged: number;
  /** IncidentNumbers (or RecIds) of the first untagged tickets, for a person to look at. */
  untaggedSample: Array<string | number>;
  /** Tickets whose tag is not a category id or does not match a scope id; skipped and left as Redis has them. */
  invalidTags: number;
  /** Rows of the widened range whose CreatedDateTime falls in another period in the district's zone. */
  outsidePeriod: number;
  /** Tickets whose counted state in Redis was missing or different. */
  ticketsCorrected: number;
  /** Tickets Redis counted in this period that HEAT places in another period: moved there. */
  ticketsMovedOut: number;
  /** Tickets Redis counted in this period that HEAT no longer has (confirmed by a RecId lookup). */
  ticketsRemoved: number;
  /** Tickets Redis counted in this period that the range query did not return: looked up by RecId. */
  ticketsLookedUp: number;
  /** Of those, tickets HEAT still has in this period: kept (and counted from their tags). */
  missedByRange: number;
}

export interface TicketCountsPlan {
  period: string;
  /** Tickets whose stored state is missing or differs from HEAT's (range answer or look-up). */
  corrections: TicketMove[];
  /** Tickets Redis counted in the period that HEAT places in another period: their state there. */
  movesOut: TicketMove[];
  /** Tickets Redis counted in the period that the look-up did not find: forgotten. */
  removals: string[];
  /** Tickets already counted right: their key gets the period's expiry (keys from before expiries). */
  expiryRefresh: string[];
  counters: {
    /** true when the counters, once the moves are made, would disagree with the tickets' states. */
    rebuild: boolean;
    /** The period's hash as the tickets' states (after the moves) imply it. */
    expected: Record<string, number>;
  };
  before: SchoolCounts[];
  after: SchoolCounts[];
  differences: CountDifference[];
  figures: ReconcileFigures;
}

export interface ReconcilePlan extends TicketCountsPlan {
  /** null for a past period: school records show the current period only. */
  schools: SchoolRecordsPlan | null;
}

/** What HEAT says about one ticket: its period and, when its tags are valid, the state to count. */
export interface HeatTicket {
  period: string;
  school: string;
  /** null when the ticket is untagged or its tags are not policy ids. */
  state: TicketCountState | null;
  tag: 'valid' | 'untagged' | 'invalid';
  incidentNumber: string | number;
}

/** The range answer sorted: the period's tickets by tag, and those of other periods. */
interface SortedRange {
  truth: Map<string, TicketCountState>;
  untagged: Set<string>;
  invalid: Set<string>;
  untaggedSample: Array<string | number>;
  /** Rows of the margins: tickets HEAT places in another period. */
  elsewhere: Map<string, HeatTicket>;
  ticketsRead: number;
  outsidePeriod: number;
}

export const UNTAGGED_SAMPLE = 20;

/**
 * Reads one incident row as reconcile sees it; null when it has no usable CreatedDateTime. Backfill's
 * counting from pages reads its rows the same way (record-rows.ts).
 */
export function heatTicketOf(row: ReconcileRow, cfg: PeriodConfig): HeatTicket | null {
  const created = typeof row.createdDateTime === 'string' ? row.createdDateTime : '';
  // HEAT renders an unset date as 0001-01-01T00:00:00Z (docs/heat-api.md §6).
  if (!created || created.startsWith('0001-01-01')) return null;
  let period: string;
  try {
    period = periodOf(created, cfg);
  } catch {
    return null;
  }
  const school = schoolNameOf(row.school);
  const { category, scope } = row;
  const incidentNumber = typeof row.incidentNumber === 'number' ? row.incidentNumber : row.recId;
  if (category === null || category === undefined || category === '') {
    return { period, school, state: null, tag: 'untagged', incidentNumber };
  }
  if (!isCategoryId(category) || !(SCOPE_IDS as readonly unknown[]).includes(scope)) {
    return { period, school, state: null, tag: 'invalid', incidentNumber };
  }
  const state = { period, school, category, scope: scope as ScopeId };
  return { period, school, state, tag: 'valid', incidentNumber };
}

function sortRange(period: string, cfg: PeriodConfig, rows: readonly ReconcileRow[]): SortedRange {
  const sorted: SortedRange = {
    truth: new Map(),
    untagged: new Set(),
    invalid: new Set(),
    untaggedSample: [],
    elsewhere: new Map(),
    ticketsRead: 0,
    outsidePeriod: 0,
  };
  const seen = new Set<string>();
  for (const row of rows) {
    const recId = row.recId;
    if (!recId || seen.has(recId)) continue;
    seen.add(recId);
    sorted.ticketsRead++;
    const ticket = heatTicketOf(row, cfg);
    if (!ticket || ticket.period !== period) {
      sorted.outsidePeriod++;
      if (ticket) sorted.elsewhere.set(recId, ticket);
    } else if (ticket.tag === 'untagged') {
      sorted.untagged.add(recId);
      if (sorted.untaggedSample.length < UNTAGGED_SAMPLE) sorted.untaggedSample.push(ticket.incidentNumber);
    } else if (ticket.tag === 'invalid') {
      sorted.invalid.add(recId);
    } else if (ticket.state) {
      sorted.truth.set(recId, ticket.state);
    }
  }
  return sorted;
}

/** Tickets Redis counts in the period that the range answer did not give as the period's, with their state. */
function countedButNotReturned(
  period: string,
  redis: RedisSnapshot,
  sorted: SortedRange,
): Map<string, TicketCountState> {
  const counted = new Map<string, TicketCountState>();
  for (const recId of redis.members) {
    if (sorted.truth.has(recId) || sorted.untagged.has(recId) || sorted.invalid.has(recId)) continue;
    const text = redis.states.get(recId);
    const state = text ? decodeTicketState(text) : null;
    if (state?.period === period) counted.set(recId, state);
  }
  return counted;
}

/**
 * RecIds to look up by key: tickets Redis counts in the period that the range answer lacks entirely
 * (neither in the period nor in its margins). The read step asks HEAT for exactly these.
 */
export function recIdsToLookUp(input: Omit<TicketCountsInput, 'lookedUp'>): string[] {
  const sorted = sortRange(input.period, input.periodConfig, input.rangeRows);
  const counted = countedButNotReturned(input.period, input.redis, sorted);
  return [...counted.keys()].filter((recId) => !sorted.elsewhere.has(recId));
}

/** Where HEAT puts a ticket of another period: its tags, or (untagged) our decision with HEAT's period and school. */
function movedState(stored: TicketCountState, there: HeatTicket): TicketCountState {
  return there.state ?? { ...stored, period: there.period, school: there.school };
}

type TicketMoves = Pick<TicketCountsPlan, 'corrections' | 'movesOut' | 'removals' | 'expiryRefresh'> & {
  lookedUp: number;
  missedByRange: number;
};

/**
 * A ticket leaves the period only when HEAT confirms it: it came back from the widened range with a
 * CreatedDateTime of another period, or the look-up by RecId finds it elsewhere (moved) or not at all
 * (removed). A ticket that HEAT still has in this period stays, whatever the range query missed.
 */
function planTicketMoves(input: TicketCountsInput, sorted: SortedRange): TicketMoves {
  const { period, redis } = input;
  const moves: TicketMoves = {
    corrections: [],
    movesOut: [],
    removals: [],
    expiryRefresh: [],
    lookedUp: 0,
    missedByRange: 0,
  };
  for (const [recId, state] of sorted.truth) {
    if (redis.states.get(recId) === encodeTicketState(state)) moves.expiryRefresh.push(recId);
    else moves.corrections.push({ recId, state });
  }
  const counted = countedButNotReturned(period, redis, sorted);
  const absent: string[] = [];
  for (const [recId, stored] of counted) {
    const there = sorted.elsewhere.get(recId);
    if (there) moves.movesOut.push({ recId, state: movedState(stored, there) });
    else absent.push(recId);
  }
  moves.lookedUp = absent.length;
  // HEAT's eq is case-insensitive (docs/heat-api.md §4); RecIds are hex, compare them alike.
  const found = new Map<string, HeatTicket | null>();
  for (const row of input.lookedUp) {
    if (row.recId) found.set(row.recId.toUpperCase(), heatTicketOf(row, input.periodConfig));
  }
  for (const recId of absent) {
    const key = recId.toUpperCase();
    if (!found.has(key)) {
      moves.removals.push(recId);
      continue;
    }
    const there = found.get(key);
    // Found without a usable CreatedDateTime: nothing confirms it left, so it stays as counted.
    if (!there) continue;
    if (there.period !== period) {
      moves.movesOut.push({ recId, state: movedState(counted.get(recId) as TicketCountState, there) });
      continue;
    }
    moves.missedByRange++;
    if (there.state && redis.states.get(recId) !== encodeTicketState(there.state))
      moves.corrections.push({ recId, state: there.state });
  }
  return moves;
}

/** The period's hash that the given ticket states imply (states of other periods, or unreadable, are ignored). */
export function countersOfStates(
  period: string,
  states: Iterable<string | null | undefined>,
): Map<string, number> {
  const expected = new Map<string, number>();
  for (const text of states) {
    const state = text ? decodeTicketState(text) : null;
    if (!state || state.period !== period) continue;
    const field = countField(state);
    expected.set(field, (expected.get(field) ?? 0) + 1);
  }
  return expected;
}

/** Whether a counter hash holds exactly the expected fields and numbers. */
export function sameCounters(
  actual: Readonly<Record<string, number | string>>,
  expected: ReadonlyMap<string, number>,
): boolean {
  return (
    Object.keys(actual).length === expected.size &&
    [...expected].every(([field, count]) => Number(actual[field]) === count)
  );
}

/**
 * Plays the moves on a copy of the period's hash, member set and states as the move script does
 * (decrement the old field, dropping it at 0; increment the new one), then compares the hash with what
 * the tickets' states imply. They differ only when the hash was damaged: then it is rebuilt.
 */
function planCounters(period: string, redis: RedisSnapshot, moves: Array<[string, TicketCountState | null]>) {
  const hash = new Map(Object.entries(redis.counters));
  const members = new Set(redis.members);
  const states = new Map(redis.states);
  for (const [recId, next] of moves) {
    const currentText = states.get(recId) ?? '';
    const nextText = next ? encodeTicketState(next) : '';
    if (currentText === nextText) continue;
    const current = currentText ? decodeTicketState(currentText) : null;
    const oldPeriod = current?.period ?? next?.period ?? '';
    if (currentText !== '' && oldPeriod === period) {
      const field = current ? countField(current) : '';
      const left = (hash.get(field) ?? 0) - 1;
      if (left <= 0) hash.delete(field);
      else hash.set(field, left);
      members.delete(recId);
    }
    if (next && next.period === period) {
      const field = countField(next);
      hash.set(field, (hash.get(field) ?? 0) + 1);
      members.add(recId);
    }
    if (next) states.set(recId, nextText);
    else states.delete(recId);
  }
  const expected = countersOfStates(
    period,
    [...members].map((recId) => states.get(recId)),
  );
  return {
    rebuild: !sameCounters(Object.fromEntries(hash), expected),
    expected: Object.fromEntries(expected),
  };
}

/** The ticket part of the plan: moves, counters, before/after and the figures (no school records). */
export function planTicketCounts(input: TicketCountsInput): TicketCountsPlan {
  const { period } = input;
  const sorted = sortRange(period, input.periodConfig, input.rangeRows);
  const moves = planTicketMoves(input, sorted);
  const counters = planCounters(period, input.redis, [
    ...moves.corrections.map((m): [string, TicketCountState] => [m.recId, m.state]),
    ...moves.movesOut.map((m): [string, TicketCountState] => [m.recId, m.state]),
    ...moves.removals.map((recId): [string, null] => [recId, null]),
  ]);
  const before = aggregateCounts(period, Object.entries(input.redis.counters));
  const after = aggregateCounts(period, Object.entries(counters.expected));
  return {
    period,
    corrections: moves.corrections,
    movesOut: moves.movesOut,
    removals: moves.removals,
    expiryRefresh: moves.expiryRefresh,
    counters,
    before,
    after,
    differences: diffCounts(before, after),
    figures: {
      ticketsRead: sorted.ticketsRead,
      counted: sorted.truth.size,
      untagged: sorted.untagged.size,
      untaggedSample: sorted.untaggedSample,
      invalidTags: sorted.invalid.size,
      outsidePeriod: sorted.outsidePeriod,
      ticketsCorrected: moves.corrections.length,
      ticketsMovedOut: moves.movesOut.length,
      ticketsRemoved: moves.removals.length,
      ticketsLookedUp: moves.lookedUp,
      missedByRange: moves.missedByRange,
    },
  };
}

/**
 * Schools that have, or had during this period, counts, by lower-case name: those of `after` first
 * (their spelling wins), then those of `before`. "(no school)" is never a school record.
 */
export function schoolsNamed(before: SchoolCounts[], after: SchoolCounts[]): Map<string, string> {
  const named = new Map<string, string>();
  for (const row of [...after, ...before]) {
    if (row.hasSchool && !named.has(row.school.toLowerCase()))
      named.set(row.school.toLowerCase(), row.school);
  }
  return named;
}

/** Schools named by the plan whose record is not among those showing the period: looked up by name. */
export function schoolsToLookUp(
  tickets: Pick<TicketCountsPlan, 'before' | 'after'>,
  keyField: string,
  showingPeriod: readonly HeatRecord[],
): string[] {
  const found = new Set<string>();
  for (const record of showingPeriod) {
    const name = record[keyField];
    if (typeof name === 'string' && name && typeof record.RecId === 'string') found.add(name.toLowerCase());
  }
  return [...schoolsNamed(tickets.before, tickets.after)]
    .filter(([lower]) => !found.has(lower))
    .map(([, school]) => school);
}

/** Adds a school record to `records` (by lower-case name), preferring an exact-case match. */
function addSchoolRecord(
  records: Map<string, HeatRecord>,
  record: HeatRecord,
  keyField: string,
  wanted: Set<string>,
): void {
  const name = record[keyField];
  if (typeof name !== 'string' || !name || typeof record.RecId !== 'string') return;
  const lower = name.toLowerCase();
  const had = records.get(lower);
  if (!had || (!wanted.has(String(had[keyField])) && wanted.has(name))) records.set(lower, record);
}

/**
 * The current period's counts for every school record found: the schools named by the period's
 * tickets (before and after the correction) and the records that show this period (a school whose
 * tickets all left gets zeros). Schools with counts but no record are listed as unknown.
 */
function planSchoolRecords(
  period: string,
  records: ReconcileInput['schoolRecords'],
  tickets: Pick<TicketCountsPlan, 'before' | 'after'>,
): SchoolRecordsPlan {
  const { keyField } = records;
  const afterBy = new Map(
    tickets.after
      .filter((row) => row.hasSchool && row.total > 0)
      .map((row) => [row.school.toLowerCase(), row]),
  );
  const named = schoolsNamed(tickets.before, tickets.after);
  const wanted = new Set(named.values());
  const byLower = new Map<string, HeatRecord>();
  for (const record of [...records.showingPeriod, ...records.byName])
    addSchoolRecord(byLower, record, keyField, wanted);
  const writes = [...byLower].map(([lower, record]): SchoolRecordWrite => {
    const school = named.get(lower) ?? String(record[keyField]);
    const counts = afterBy.get(lower);
    return {
      school,
      recId: String(record.RecId),
      counts: counts ?? emptySchoolCounts(period, school),
      record,
      hasCounts: counts !== undefined,
    };
  });
  return {
    writes,
    keepCached: writes.filter((w) => w.hasCounts).map((w) => w.school),
    unknownSchools: [...afterBy]
      .filter(([lower]) => !byLower.has(lower))
      .map(([, row]) => row.school)
      .sort((a, b) => a.localeCompare(b)),
  };
}

/** The whole reconcile of a period as data: pure, the same input always gives the same plan. */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const tickets = planTicketCounts(input);
  const schools =
    input.period === input.currentPeriod
      ? planSchoolRecords(input.period, input.schoolRecords, tickets)
      : null;
  return { ...tickets, schools };
}

/** Every scope, category and total that differs between two snapshots of a period. */
export function diffCounts(before: SchoolCounts[], after: SchoolCounts[]): CountDifference[] {
  const beforeBy = new Map(before.map((row) => [row.school, row]));
  const afterBy = new Map(after.map((row) => [row.school, row]));
  const schools = [...new Set([...beforeBy.keys(), ...afterBy.keys()])].sort((a, b) => a.localeCompare(b));
  const differences: CountDifference[] = [];
  for (const school of schools) {
    const b = beforeBy.get(school) ?? emptySchoolCounts('', school);
    const a = afterBy.get(school) ?? emptySchoolCounts('', school);
    const columns: Array<[string, number, number]> = [
      ['total', b.total, a.total],
      ...SCOPE_IDS.map((s): [string, number, number] => [s, b.byScope[s], a.byScope[s]]),
      ...CATEGORY_IDS.map((c): [string, number, number] => [c, b.byCategory[c], a.byCategory[c]]),
    ];
    for (const [column, x, y] of columns)
      if (x !== y) differences.push({ school, column, before: x, after: y });
  }
  return differences;
}
