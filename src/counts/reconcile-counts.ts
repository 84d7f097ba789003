import { CATEGORY_IDS, isCategoryId, SCOPE_IDS, type HeatRecord, type ScopeId } from '../domain/index.js';
import { eq, HeatApiError, or } from '../heat/index.js';
import type { CountsContext } from './counts-context.js';
import {
  countField,
  decodeTicketState,
  encodeTicketState,
  type TicketCountState,
} from './move-ticket-count.js';
import { COUNTS_RETENTION_DAYS, periodExpiresAt } from './period-expires-at.js';
import { periodOf } from './period-of.js';
import { periodRange } from './period-range.js';
import { readPeriodCounts } from './read-period-counts.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { emptySchoolCounts, NO_SCHOOL, type SchoolCounts } from './school-counts.js';
import { schoolNameOf } from './school-name-of.js';
import { widenedCreatedFilter } from './widened-created-filter.js';
import type { SchoolCountsWriter } from './write-school-counts.js';

/** One number that Redis had wrong: a school's scope or category count, or its total. */
export interface CountDifference {
  school: string;
  /** A scope id, a category id, or "total". */
  column: string;
  before: number;
  after: number;
}

export interface ReconcileResult {
  period: string;
  /** The period's instants [start, end) in the district's zone. */
  range: { start: string; end: string };
  /**
   * The CreatedDateTime literals sent to HEAT (`ge from and lt to`): the period widened by a day on each
   * side, in heat.filterDateFormat.
   */
  query: { from: string; to: string };
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
  /** true when the period's counters disagreed with the tickets' states and were rebuilt. */
  countersRebuilt: boolean;
  differences: CountDifference[];
  /** false for a past period: school records show the current period only. */
  schoolRecordsChecked: boolean;
  schoolsWritten: number;
  schoolsFailed: number;
  /** Schools named by this period's tickets that have no record in the school set. */
  unknownSchools: string[];
  /** Entries dropped from the `written` and `school-recid` caches (schools without counts or records). */
  schoolCachePruned: number;
  heatCalls: number;
  ms: number;
}

/** What HEAT says about one ticket: its period and, when its tags are valid, the state to count. */
interface HeatTicket {
  period: string;
  school: string;
  /** null when the ticket is untagged or its tags are not policy ids. */
  state: TicketCountState | null;
  tag: 'valid' | 'untagged' | 'invalid';
  incidentNumber: string | number;
}

const UNTAGGED_SAMPLE = 20;
/** Lua calls sent side by side; each is one round trip, ioredis pipelines them on the connection. */
const REDIS_CONCURRENCY = 64;
const MGET_CHUNK = 1000;
/** Names or RecIds per `(a eq 'x' or a eq 'y' ...)` request: keeps the URL around 1 KB. */
const OR_CHUNK = 20;

export function createReconciler(ctx: CountsContext, writer: SchoolCountsWriter) {
  const { redis, keys, heat, logger } = ctx;
  const schoolField = ctx.counts.schoolField;
  const select = [
    'RecId',
    'IncidentNumber',
    'CreatedDateTime',
    schoolField,
    ctx.tags.category,
    ctx.tags.scope,
  ];

  /** Reads one incident row as reconcile sees it; null when it has no usable CreatedDateTime. */
  function heatTicketOf(record: HeatRecord): HeatTicket | null {
    const created = typeof record.CreatedDateTime === 'string' ? record.CreatedDateTime : '';
    // HEAT renders an unset date as 0001-01-01T00:00:00Z (heat-api.md §6).
    if (!created || created.startsWith('0001-01-01')) return null;
    let period: string;
    try {
      period = periodOf(created, ctx.counts);
    } catch {
      return null;
    }
    const school = schoolNameOf(record[schoolField]);
    const category = record[ctx.tags.category];
    const scope = record[ctx.tags.scope];
    const incidentNumber =
      typeof record.IncidentNumber === 'number' ? record.IncidentNumber : String(record.RecId);
    if (category === null || category === undefined || category === '') {
      return { period, school, state: null, tag: 'untagged', incidentNumber };
    }
    if (!isCategoryId(category) || !(SCOPE_IDS as readonly unknown[]).includes(scope)) {
      return { period, school, state: null, tag: 'invalid', incidentNumber };
    }
    return {
      period,
      school,
      state: { period, school, category, scope: scope as ScopeId },
      tag: 'valid',
      incidentNumber,
    };
  }

  async function readTruth(period: string, filter: string) {
    const truth = new Map<string, TicketCountState>();
    const untagged = new Set<string>();
    const invalid = new Set<string>();
    const untaggedSample: Array<string | number> = [];
    /** Rows of the margins: tickets HEAT places in another period. */
    const elsewhere = new Map<string, HeatTicket>();
    let ticketsRead = 0;
    let outsidePeriod = 0;
    const pages = heat.pages(ctx.heatConfig.incidentSet, {
      filter,
      select,
      // A stable order, so that $skip paging does not skip rows; rows repeated across pages are dropped.
      orderby: 'CreatedDateTime asc,RecId asc',
      top: ctx.heatConfig.pageSize,
    });
    const seen = new Set<string>();
    for await (const page of pages) {
      for (const record of page) {
        const recId = typeof record.RecId === 'string' ? record.RecId : '';
        if (!recId || seen.has(recId)) continue;
        seen.add(recId);
        ticketsRead++;
        const ticket = heatTicketOf(record);
        if (!ticket || ticket.period !== period) {
          outsidePeriod++;
          if (ticket) elsewhere.set(recId, ticket);
          continue;
        }
        if (ticket.tag === 'untagged') {
          untagged.add(recId);
          if (untaggedSample.length < UNTAGGED_SAMPLE) untaggedSample.push(ticket.incidentNumber);
        } else if (ticket.tag === 'invalid') {
          invalid.add(recId);
        } else if (ticket.state) {
          truth.set(recId, ticket.state);
        }
      }
    }
    return { truth, untagged, invalid, untaggedSample, elsewhere, ticketsRead, outsidePeriod };
  }

  /**
   * The tickets of `recIds` as HEAT has them now, by key (`RecId eq` is exact whatever the tenant does
   * with dates). A RecId missing from the answer is a ticket HEAT no longer has.
   */
  async function lookUpByRecId(recIds: string[]): Promise<Map<string, HeatTicket | null>> {
    const found = new Map<string, HeatTicket | null>();
    for (let i = 0; i < recIds.length; i += OR_CHUNK) {
      const chunk = recIds.slice(i, i + OR_CHUNK);
      const rows = await heat.list(ctx.heatConfig.incidentSet, {
        filter: or(...chunk.map((recId) => eq('RecId', recId))),
        select,
        top: ctx.heatConfig.pageSize,
      });
      for (const row of rows) {
        // HEAT's eq is case-insensitive (heat-api.md §4); RecIds are hex, compare them alike.
        if (typeof row.RecId === 'string') found.set(row.RecId.toUpperCase(), heatTicketOf(row));
      }
    }
    return found;
  }

  /**
   * Rebuilds the period's hash from the tickets' stored states when the two disagree (the hash was
   * damaged or partly lost). WATCH on a connection of its own, so a record() in between aborts the
   * rebuild and it is tried again on fresh data.
   */
  async function rebuildCountersIfDrifted(period: string): Promise<boolean> {
    const connection = redis.duplicate();
    try {
      for (let attempt = 0; attempt < 10; attempt++) {
        await connection.watch(keys.period(period), keys.members(period));
        const members = await connection.smembers(keys.members(period));
        const states = members.length > 0 ? await connection.mget(...members.map((m) => keys.ticket(m))) : [];
        const expected = new Map<string, number>();
        states.forEach((text) => {
          const state = text ? decodeTicketState(text) : null;
          if (!state || state.period !== period) return;
          const field = countField(state);
          expected.set(field, (expected.get(field) ?? 0) + 1);
        });
        const actual = await connection.hgetall(keys.period(period));
        const same =
          Object.keys(actual).length === expected.size &&
          [...expected].every(([field, count]) => Number(actual[field]) === count);
        if (same) {
          await connection.unwatch();
          return false;
        }
        const multi = connection.multi().del(keys.period(period));
        if (expected.size > 0) {
          multi.hset(keys.period(period), Object.fromEntries(expected));
          multi.expireat(keys.period(period), periodExpiresAt(period, ctx.counts));
        }
        if (await multi.exec()) return true;
      }
      throw new Error(
        `counters of ${period} kept changing during reconcile; run it again when the queue is quieter`,
      );
    } finally {
      connection.disconnect();
    }
  }

  /** Adds a school record to `records` (by lower-case name), preferring an exact-case match. */
  function addSchoolRecord(records: Map<string, HeatRecord>, record: HeatRecord, wanted: Set<string>): void {
    const name = record[ctx.counts.schoolKeyField];
    if (typeof name !== 'string' || !name || typeof record.RecId !== 'string') return;
    const lower = name.toLowerCase();
    const had = records.get(lower);
    if (!had || (!wanted.has(String(had[ctx.counts.schoolKeyField])) && wanted.has(name)))
      records.set(lower, record);
  }

  /**
   * Writes the current period's counts onto the records of the schools that have, or had during this
   * period, counts: the schools named by the period's tickets (before and after the correction), and
   * the records that show this period (we wrote them; their tickets may have left while Redis was
   * empty). Never lists the whole school set: departments and other units without tickets are never
   * read or written. Then prunes the school caches to the schools with counts that exist in HEAT.
   */
  async function correctSchoolRecords(period: string, before: SchoolCounts[], after: SchoolCounts[]) {
    const result = {
      schoolsWritten: 0,
      schoolsFailed: 0,
      unknownSchools: [] as string[],
      schoolCachePruned: 0,
    };
    const keyField = ctx.counts.schoolKeyField;
    const afterBy = new Map(
      after.filter((row) => row.hasSchool && row.total > 0).map((row) => [row.school.toLowerCase(), row]),
    );
    const named = new Map<string, string>();
    for (const row of [...after, ...before]) {
      if (row.hasSchool && !named.has(row.school.toLowerCase()))
        named.set(row.school.toLowerCase(), row.school);
    }
    const wanted = new Set(named.values());
    const records = new Map<string, HeatRecord>();
    try {
      const showing = await heat.list(ctx.heatConfig.schoolSet, {
        filter: eq(ctx.fields.period, period),
        top: ctx.heatConfig.pageSize,
      });
      for (const record of showing) addSchoolRecord(records, record, wanted);
    } catch (err) {
      if (!(err instanceof HeatApiError) || err.retryable) throw err;
      // A tenant that refuses to filter on the custom field: the schools named by tickets still get checked.
      logger.warn(
        'cannot list the school records that show this period; checking the schools named by tickets',
        {
          field: ctx.fields.period,
          status: err.status,
          code: err.code,
          fix: `add the custom field ${ctx.fields.period} to ${ctx.heatConfig.schoolSet} or set counts.fields.period`,
        },
      );
    }
    const toFind = [...named].filter(([lower]) => !records.has(lower)).map(([, school]) => school);
    for (let i = 0; i < toFind.length; i += OR_CHUNK) {
      const chunk = toFind.slice(i, i + OR_CHUNK);
      // HEAT's eq is case-insensitive (heat-api.md §4): addSchoolRecord prefers the exact name.
      const rows = await heat.list(ctx.heatConfig.schoolSet, {
        filter: or(...chunk.map((school) => eq(keyField, school))),
        top: ctx.heatConfig.pageSize,
      });
      for (const record of rows) addSchoolRecord(records, record, wanted);
    }

    const keep = new Set<string>();
    await runWithConcurrency([...records], 4, async ([lower, record]) => {
      const school = named.get(lower) ?? String(record[keyField]);
      const recId = String(record.RecId);
      const counts = afterBy.get(lower);
      if (counts) {
        keep.add(school);
        await redis.hset(keys.schoolRecIds, school, recId);
      }
      try {
        const written = await writer.writeSchoolRecord(
          school,
          recId,
          counts ?? emptySchoolCounts(period, school),
          record,
        );
        if (written) result.schoolsWritten++;
      } catch (err) {
        result.schoolsFailed++;
        writer.logRefusal(school, err, 'reconciling counts');
      }
    });
    result.unknownSchools = [...afterBy]
      .filter(([lower]) => !records.has(lower))
      .map(([, row]) => row.school)
      .sort((a, b) => a.localeCompare(b));

    // Both hashes are caches (a lost entry costs one lookup or one full write): bound them to the
    // schools that have counts in the current period and a record in HEAT.
    for (const hash of [keys.written, keys.schoolRecIds]) {
      const stale = (await redis.hkeys(hash)).filter((school) => !keep.has(school));
      if (stale.length > 0) result.schoolCachePruned += await redis.hdel(hash, ...stale);
    }
    return result;
  }

  /** Recounts a period from the tickets' tags in HEAT, corrects Redis and (current period) the schools. */
  return async function reconcile(period: string): Promise<ReconcileResult> {
    const started = Date.now();
    const callsBefore = heat.stats().calls;
    const range = periodRange(period, ctx.counts);
    const nowMs = ctx.now().getTime();
    const expiresAt = periodExpiresAt(period, ctx.counts);
    if (expiresAt * 1000 <= nowMs) {
      throw new RangeError(
        `period ${period} ended more than ${COUNTS_RETENTION_DAYS} days ago: its counts are no longer kept in Redis ` +
          `(docs/counts.md, Redis memory). Fix: reconcile a later period; HEAT's tags remain the record of older ones`,
      );
    }
    const query = widenedCreatedFilter('CreatedDateTime', range, ctx.heatConfig.filterDateFormat);
    const before = await readPeriodCounts(redis, keys, period);
    const read = await readTruth(period, query.filter);

    let ticketsCorrected = 0;
    const current = ctx.currentPeriod();
    const moveOptions = {
      dueMs: nowMs + ctx.counts.debounceSeconds * 1000,
      marksDirty: (state: TicketCountState) => state.period === current && state.school !== NO_SCHOOL,
    };
    // Read the stored states in bulk and move only the tickets that differ (the mover re-checks each one
    // atomically, so a record() racing with us is never overwritten by a stale read).
    const entries = [...read.truth];
    const differing: Array<[string, TicketCountState]> = [];
    for (let i = 0; i < entries.length; i += MGET_CHUNK) {
      const chunk = entries.slice(i, i + MGET_CHUNK);
      const stored = await redis.mget(...chunk.map(([recId]) => keys.ticket(recId)));
      const expiring = redis.pipeline();
      chunk.forEach((entry, j) => {
        if (stored[j] !== encodeTicketState(entry[1])) differing.push(entry);
        // Keys written before they had an expiry get one (the mover sets it on every write it makes).
        else expiring.expireat(keys.ticket(entry[0]), expiresAt);
      });
      if (expiring.length > 0) await expiring.exec();
    }
    await runWithConcurrency(differing, REDIS_CONCURRENCY, async ([recId, state]) => {
      if (await ctx.moveTicketCount(recId, state, moveOptions)) ticketsCorrected++;
    });

    // Tickets Redis counts here that HEAT did not return in this period. A ticket leaves the period
    // only when HEAT confirms it: it came back from the widened range with a CreatedDateTime of another
    // period (moved there), or a lookup by RecId finds it elsewhere (moved) or not at all (removed).
    // A ticket that HEAT still has in this period stays, whatever the range query missed.
    const members = await redis.smembers(keys.members(period));
    const candidates = members.filter(
      (recId) => !read.truth.has(recId) && !read.untagged.has(recId) && !read.invalid.has(recId),
    );
    const storedStates = new Map<string, TicketCountState>();
    for (let i = 0; i < candidates.length; i += MGET_CHUNK) {
      const chunk = candidates.slice(i, i + MGET_CHUNK);
      const stored = await redis.mget(...chunk.map((recId) => keys.ticket(recId)));
      chunk.forEach((recId, j) => {
        const state = stored[j] ? decodeTicketState(stored[j] as string) : null;
        if (state?.period === period) storedStates.set(recId, state);
      });
    }
    let ticketsMovedOut = 0;
    let ticketsRemoved = 0;
    let missedByRange = 0;
    /** Where HEAT puts a ticket of another period: its tags, or (untagged) our decision with HEAT's period and school. */
    const movedState = (stored: TicketCountState, there: HeatTicket): TicketCountState =>
      there.state ?? { ...stored, period: there.period, school: there.school };
    const absent = [...storedStates.keys()].filter((recId) => !read.elsewhere.has(recId));
    await runWithConcurrency(
      [...storedStates].filter(([recId]) => read.elsewhere.has(recId)),
      REDIS_CONCURRENCY,
      async ([recId, stored]) => {
        const there = read.elsewhere.get(recId) as HeatTicket;
        if (await ctx.moveTicketCount(recId, movedState(stored, there), moveOptions)) ticketsMovedOut++;
      },
    );
    const looked = absent.length > 0 ? await lookUpByRecId(absent) : new Map<string, HeatTicket | null>();
    await runWithConcurrency(absent, REDIS_CONCURRENCY, async (recId) => {
      const stored = storedStates.get(recId) as TicketCountState;
      const key = recId.toUpperCase();
      if (!looked.has(key)) {
        if (await ctx.moveTicketCount(recId, null, moveOptions)) ticketsRemoved++;
        return;
      }
      const there = looked.get(key);
      // Found without a usable CreatedDateTime: nothing confirms it left, so it stays as counted.
      if (!there) return;
      if (there.period === period) {
        missedByRange++;
        if (there.state && (await ctx.moveTicketCount(recId, there.state, moveOptions))) ticketsCorrected++;
        return;
      }
      if (await ctx.moveTicketCount(recId, movedState(stored, there), moveOptions)) ticketsMovedOut++;
    });
    if (missedByRange > 0) {
      logger.warn('the CreatedDateTime range query missed tickets that HEAT has in the period; kept them', {
        period,
        missedByRange,
        filter: query.filter,
        fix: 'check heat.filterDateFormat in config/service.yaml against how the tenant compares dates',
      });
    }

    const countersRebuilt = await rebuildCountersIfDrifted(period);
    // Members and counters written before they had an expiry get one (idempotent: same instant).
    await redis.expireat(keys.members(period), expiresAt);
    await redis.expireat(keys.period(period), expiresAt);
    const after = await readPeriodCounts(redis, keys, period);
    const differences = diffCounts(before, after);

    let schools = {
      schoolsWritten: 0,
      schoolsFailed: 0,
      unknownSchools: [] as string[],
      schoolCachePruned: 0,
    };
    const schoolRecordsChecked = period === current;
    if (schoolRecordsChecked) schools = await correctSchoolRecords(period, before, after);

    const result: ReconcileResult = {
      period,
      range,
      query: { from: query.from, to: query.to },
      ticketsRead: read.ticketsRead,
      counted: read.truth.size,
      untagged: read.untagged.size,
      untaggedSample: read.untaggedSample,
      invalidTags: read.invalid.size,
      outsidePeriod: read.outsidePeriod,
      ticketsCorrected,
      ticketsMovedOut,
      ticketsRemoved,
      ticketsLookedUp: absent.length,
      missedByRange,
      countersRebuilt,
      differences,
      schoolRecordsChecked,
      ...schools,
      heatCalls: heat.stats().calls - callsBefore,
      ms: Date.now() - started,
    };
    const { differences: _d, untaggedSample: _u, unknownSchools: _s, ...summary } = result;
    logger.info('counts reconciled', { ...summary, differences: differences.length });
    return result;
  };
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
