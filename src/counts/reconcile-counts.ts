import { CATEGORY_IDS, isCategoryId, SCOPE_IDS, type ScopeId } from '../domain/index.js';
import { odataDateLiteral } from '../heat/index.js';
import type { CountsContext } from './counts-context.js';
import {
  countField,
  decodeTicketState,
  encodeTicketState,
  type TicketCountState,
} from './move-ticket-count.js';
import { periodOf } from './period-of.js';
import { periodRange } from './period-range.js';
import { readPeriodCounts } from './read-period-counts.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { emptySchoolCounts, NO_SCHOOL, type SchoolCounts } from './school-counts.js';
import type { SchoolCountsWriter } from './write-school-counts.js';
import { schoolNameOf } from './school-name-of.js';

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
  /** The CreatedDateTime range read from HEAT, [start, end). */
  range: { start: string; end: string };
  ticketsRead: number;
  /** Tickets counted from their tags. */
  counted: number;
  /** Tickets without a category tag yet (not classified); skipped and left as Redis has them. */
  untagged: number;
  /** IncidentNumbers (or RecIds) of the first untagged tickets, for a person to look at. */
  untaggedSample: Array<string | number>;
  /** Tickets whose tag is not a category id or does not match a scope id; skipped. */
  invalidTags: number;
  /** Rows HEAT returned whose CreatedDateTime falls outside the period in the district's zone. */
  outsidePeriod: number;
  /** Tickets whose counted state in Redis was missing or different. */
  ticketsCorrected: number;
  /** Tickets Redis counted in this period that HEAT no longer has there. */
  ticketsRemoved: number;
  /** true when the period's counters disagreed with the tickets' states and were rebuilt. */
  countersRebuilt: boolean;
  differences: CountDifference[];
  /** false for a past period: school records show the current period only. */
  schoolRecordsChecked: boolean;
  schoolsWritten: number;
  schoolsFailed: number;
  /** Schools named by tickets that have no record in the school set. */
  unknownSchools: string[];
  heatCalls: number;
  ms: number;
}

const UNTAGGED_SAMPLE = 20;
/** Lua calls sent side by side; each is one round trip, ioredis pipelines them on the connection. */
const REDIS_CONCURRENCY = 64;
const MGET_CHUNK = 1000;

export function createReconciler(ctx: CountsContext, writer: SchoolCountsWriter) {
  const { redis, keys, heat, logger } = ctx;
  const schoolField = ctx.counts.schoolField;

  async function readTruth(period: string, range: { start: string; end: string }) {
    const truth = new Map<string, TicketCountState>();
    const untagged = new Set<string>();
    const untaggedSample: Array<string | number> = [];
    let ticketsRead = 0;
    let invalidTags = 0;
    let outsidePeriod = 0;
    // Bare timestamp literals: HEAT refuses datetime'...' (heat-api.md §6); parenthesised because HEAT
    // does not apply and-before-or precedence (heat-api.md §4).
    const filter =
      `(CreatedDateTime ge ${odataDateLiteral(range.start)} and ` +
      `CreatedDateTime lt ${odataDateLiteral(range.end)})`;
    const pages = heat.pages(ctx.heatConfig.incidentSet, {
      filter,
      select: ['RecId', 'IncidentNumber', 'CreatedDateTime', schoolField, ctx.tags.category, ctx.tags.scope],
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
        const created = typeof record.CreatedDateTime === 'string' ? record.CreatedDateTime : '';
        if (!created || periodOf(created, ctx.counts) !== period) {
          outsidePeriod++;
          continue;
        }
        const category = record[ctx.tags.category];
        const scope = record[ctx.tags.scope];
        if (category === null || category === undefined || category === '') {
          untagged.add(recId);
          if (untaggedSample.length < UNTAGGED_SAMPLE) {
            untaggedSample.push(typeof record.IncidentNumber === 'number' ? record.IncidentNumber : recId);
          }
          continue;
        }
        if (!isCategoryId(category) || !(SCOPE_IDS as readonly unknown[]).includes(scope)) {
          invalidTags++;
          continue;
        }
        truth.set(recId, {
          period,
          school: schoolNameOf(record[schoolField]),
          category,
          scope: scope as ScopeId,
        });
      }
    }
    return { truth, untagged, untaggedSample, ticketsRead, invalidTags, outsidePeriod };
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
        if (expected.size > 0) multi.hset(keys.period(period), Object.fromEntries(expected));
        if (await multi.exec()) return true;
      }
      throw new Error(
        `counters of ${period} kept changing during reconcile; run it again when the queue is quieter`,
      );
    } finally {
      connection.disconnect();
    }
  }

  async function correctSchoolRecords(period: string, after: SchoolCounts[]) {
    const result = { schoolsWritten: 0, schoolsFailed: 0, unknownSchools: [] as string[] };
    const byName = new Map(
      after.filter((row) => row.hasSchool).map((row) => [row.school.toLowerCase(), row]),
    );
    const records = await heat.list(ctx.heatConfig.schoolSet, { top: ctx.heatConfig.pageSize });
    const known = new Set<string>();
    await runWithConcurrency(records, 4, async (record) => {
      const name = record[ctx.counts.schoolKeyField];
      const recId = record.RecId;
      if (typeof name !== 'string' || !name || typeof recId !== 'string') return;
      known.add(name.toLowerCase());
      const counts = byName.get(name.toLowerCase());
      const school = counts?.school ?? name;
      await redis.hset(keys.schoolRecIds, school, recId);
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
    result.unknownSchools = after
      .filter((row) => row.hasSchool && !known.has(row.school.toLowerCase()))
      .map((row) => row.school);
    return result;
  }

  /** Recounts a period from the tickets' tags in HEAT, corrects Redis and (current period) the schools. */
  return async function reconcile(period: string): Promise<ReconcileResult> {
    const started = Date.now();
    const callsBefore = heat.stats().calls;
    const range = periodRange(period, ctx.counts);
    const before = await readPeriodCounts(redis, keys, period);
    const read = await readTruth(period, range);

    let ticketsCorrected = 0;
    const nowMs = ctx.now().getTime();
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
      chunk.forEach((entry, j) => {
        if (stored[j] !== encodeTicketState(entry[1])) differing.push(entry);
      });
    }
    await runWithConcurrency(differing, REDIS_CONCURRENCY, async ([recId, state]) => {
      if (await ctx.moveTicketCount(recId, state, moveOptions)) ticketsCorrected++;
    });

    const members = await redis.smembers(keys.members(period));
    const stale = members.filter((recId) => !read.truth.has(recId) && !read.untagged.has(recId));
    let ticketsRemoved = 0;
    await runWithConcurrency(stale, REDIS_CONCURRENCY, async (recId) => {
      const text = await redis.get(keys.ticket(recId));
      if (text && decodeTicketState(text)?.period !== period) return;
      if (await ctx.moveTicketCount(recId, null, moveOptions)) ticketsRemoved++;
    });

    const countersRebuilt = await rebuildCountersIfDrifted(period);
    const after = await readPeriodCounts(redis, keys, period);
    const differences = diffCounts(before, after);

    let schools = { schoolsWritten: 0, schoolsFailed: 0, unknownSchools: [] as string[] };
    const schoolRecordsChecked = period === current;
    if (schoolRecordsChecked) schools = await correctSchoolRecords(period, after);

    const result: ReconcileResult = {
      period,
      range,
      ticketsRead: read.ticketsRead,
      counted: read.truth.size,
      untagged: read.untagged.size,
      untaggedSample: read.untaggedSample,
      invalidTags: read.invalidTags,
      outsidePeriod: read.outsidePeriod,
      ticketsCorrected,
      ticketsRemoved,
      countersRebuilt,
      differences,
      schoolRecordsChecked,
      ...schools,
      heatCalls: heat.stats().calls - callsBefore,
      ms: Date.now() - started,
    };
    const { differences: _d, untaggedSample: _u, ...summary } = result;
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
