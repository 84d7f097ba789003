import { describe, expect, it } from 'vitest';
import {
  emptySchoolCounts,
  encodeTicketState,
  NO_SCHOOL,
  planReconcile,
  recIdsToLookUp,
  schoolsToLookUp,
  type PeriodConfig,
  type ReconcileInput,
  type ReconcileRow,
  type RedisSnapshot,
  type TicketCountState,
} from '../../../src/counts/index.js';
import type { HeatRecord } from '../../../src/domain/index.js';

// The plan takes no clock: the period school records show is passed in (`currentPeriod`), so every
// outcome here is pinned by the input alone.
const CFG: PeriodConfig = { period: 'month', schoolYearStartMonth: 8, timeZone: 'America/Chicago' };
const PERIOD = '2026-11';
const US = '\x1f';
const LINCOLN = 'Lincoln Elementary';
const JEFFERSON = 'Jefferson High School';
/** 10 Nov 09:00 CST. */
const NOV = '2026-11-10T15:00:00Z';
/** 31 Oct 23:30 CDT: October, inside the widened range's margin. */
const OCT_MARGIN = '2026-11-01T04:30:00Z';
/** 1 Dec 00:30 CST: December, inside the margin. */
const DEC_MARGIN = '2026-12-01T06:30:00Z';

const field = (school: string, category: string, scope: string) => [school, category, scope].join(US);

function state(over: Partial<TicketCountState> = {}): TicketCountState {
  return { period: PERIOD, school: LINCOLN, category: 'hardware', scope: 'in_scope', ...over };
}

function row(recId: string, over: Partial<ReconcileRow> = {}): ReconcileRow {
  return {
    recId,
    incidentNumber: 1000 + recId.charCodeAt(0),
    createdDateTime: NOV,
    school: LINCOLN,
    category: 'hardware',
    scope: 'in_scope',
    ...over,
  };
}

/** A consistent Redis: the states given, the period's members and the counters they imply. */
function redisWith(states: Array<[string, TicketCountState]>): RedisSnapshot {
  const counters: Record<string, number> = {};
  const members: string[] = [];
  for (const [recId, s] of states) {
    if (s.period !== PERIOD) continue;
    members.push(recId);
    const f = field(s.school, s.category, s.scope);
    counters[f] = (counters[f] ?? 0) + 1;
  }
  return { counters, members, states: new Map(states.map(([recId, s]) => [recId, encodeTicketState(s)])) };
}

function input(over: Partial<ReconcileInput> = {}): ReconcileInput {
  return {
    period: PERIOD,
    periodConfig: CFG,
    rangeRows: [],
    redis: redisWith([]),
    lookedUp: [],
    currentPeriod: '2026-12',
    schoolRecords: { keyField: 'Name', showingPeriod: [], byName: [] },
    ...over,
  };
}

describe('planReconcile: tickets of the range answer', () => {
  it('corrects a ticket Redis lacks and leaves one counted right (its key only gets the expiry)', () => {
    const plan = planReconcile(
      input({
        rangeRows: [row('A'), row('B', { category: 'website', scope: 'out_of_scope' })],
        redis: redisWith([['B', state({ category: 'website', scope: 'out_of_scope' })]]),
      }),
    );
    expect(plan.corrections).toEqual([{ recId: 'A', state: state() }]);
    expect(plan.expiryRefresh).toEqual(['B']);
    expect({ movesOut: plan.movesOut, removals: plan.removals }).toEqual({ movesOut: [], removals: [] });
    expect(plan.counters).toEqual({
      rebuild: false,
      expected: {
        [field(LINCOLN, 'website', 'out_of_scope')]: 1,
        [field(LINCOLN, 'hardware', 'in_scope')]: 1,
      },
    });
    expect(plan.differences).toEqual([
      { school: LINCOLN, column: 'total', before: 1, after: 2 },
      { school: LINCOLN, column: 'in_scope', before: 0, after: 1 },
      { school: LINCOLN, column: 'hardware', before: 0, after: 1 },
    ]);
    expect(plan.figures).toEqual({
      ticketsRead: 2,
      counted: 2,
      untagged: 0,
      untaggedSample: [],
      invalidTags: 0,
      outsidePeriod: 0,
      ticketsCorrected: 1,
      ticketsMovedOut: 0,
      ticketsRemoved: 0,
      ticketsLookedUp: 0,
      missedByRange: 0,
    });
  });

  it('corrects a ticket Redis counted with another state, listing every number that changes per school and column', () => {
    const plan = planReconcile(
      input({
        rangeRows: [row('A', { school: JEFFERSON, category: 'telephone', scope: 'out_of_scope' }), row('B')],
        redis: redisWith([
          ['A', state()],
          ['B', state()],
        ]),
      }),
    );
    expect(plan.corrections).toEqual([
      { recId: 'A', state: state({ school: JEFFERSON, category: 'telephone', scope: 'out_of_scope' }) },
    ]);
    expect(plan.figures.ticketsCorrected).toBe(1);
    expect(plan.differences).toEqual([
      { school: JEFFERSON, column: 'total', before: 0, after: 1 },
      { school: JEFFERSON, column: 'out_of_scope', before: 0, after: 1 },
      { school: JEFFERSON, column: 'telephone', before: 0, after: 1 },
      { school: LINCOLN, column: 'total', before: 2, after: 1 },
      { school: LINCOLN, column: 'in_scope', before: 2, after: 1 },
      { school: LINCOLN, column: 'hardware', before: 2, after: 1 },
    ]);
    expect(plan.after.find((r) => r.school === JEFFERSON)).toEqual({
      ...emptySchoolCounts(PERIOD, JEFFERSON),
      total: 1,
      byScope: { ...emptySchoolCounts(PERIOD, JEFFERSON).byScope, out_of_scope: 1 },
      byCategory: { ...emptySchoolCounts(PERIOD, JEFFERSON).byCategory, telephone: 1 },
      outOfScopeShare: 1,
    });
  });

  it('corrects a ticket Redis counted in another period into this one', () => {
    const plan = planReconcile(
      input({ rangeRows: [row('A')], redis: redisWith([['A', state({ period: '2026-10' })]]) }),
    );
    expect(plan.corrections).toEqual([{ recId: 'A', state: state() }]);
    expect(plan.counters).toEqual({
      rebuild: false,
      expected: { [field(LINCOLN, 'hardware', 'in_scope')]: 1 },
    });
  });
});

describe('planReconcile: tickets skipped or outside the period', () => {
  it('skips untagged tickets, samples their IncidentNumbers (RecId when there is none; 20 at most), and leaves Redis as it is', () => {
    const untagged = Array.from({ length: 25 }, (_, i) =>
      row(`U${String(i).padStart(2, '0')}`, { category: i % 2 ? '' : null, incidentNumber: 5000 + i }),
    );
    untagged[0] = row('U00', { category: undefined, incidentNumber: 'not a number' });
    const redis = redisWith([['U01', state({ category: 'website', scope: 'out_of_scope' })]]);
    const plan = planReconcile(input({ rangeRows: untagged, redis }));
    expect(plan.figures.untagged).toBe(25);
    expect(plan.figures.untaggedSample).toEqual(['U00', ...Array.from({ length: 19 }, (_, i) => 5001 + i)]);
    expect(plan.figures.counted).toBe(0);
    expect(plan.corrections).toEqual([]);
    expect(plan.removals).toEqual([]);
    expect(plan.differences).toEqual([]);
    expect(recIdsToLookUp(input({ rangeRows: untagged, redis }))).toEqual([]);
  });

  it('skips tickets whose tags are not policy ids and leaves Redis as it is', () => {
    const rows = [
      row('A', { category: 'printers' }),
      row('B', { scope: 'in-scope' }),
      row('C', { scope: undefined }),
    ];
    const redis = redisWith([['A', state()]]);
    const plan = planReconcile(input({ rangeRows: rows, redis }));
    expect(plan.figures).toMatchObject({ ticketsRead: 3, counted: 0, invalidTags: 3, untagged: 0 });
    expect([plan.corrections, plan.movesOut, plan.removals]).toEqual([[], [], []]);
    expect(plan.counters.rebuild).toBe(false);
    expect(plan.differences).toEqual([]);
  });

  it('does not count here the margin tickets of the neighbouring periods, nor rows without a usable CreatedDateTime', () => {
    const rows = [
      row('A', { createdDateTime: OCT_MARGIN }),
      row('B', { createdDateTime: DEC_MARGIN }),
      row('C', { createdDateTime: '0001-01-01T00:00:00Z' }),
      row('D', { createdDateTime: 'yesterday' }),
      row('E', { createdDateTime: null }),
      row('F'),
    ];
    const plan = planReconcile(input({ rangeRows: rows }));
    expect(plan.figures).toMatchObject({ ticketsRead: 6, outsidePeriod: 5, counted: 1 });
    expect(plan.corrections).toEqual([{ recId: 'F', state: state() }]);
    expect(plan.movesOut).toEqual([]);
  });

  it('reads each ticket once: rows repeated across pages and rows without a RecId are dropped', () => {
    const plan = planReconcile(
      input({ rangeRows: [row('A'), row('A', { category: 'website', scope: 'out_of_scope' }), row('')] }),
    );
    expect(plan.figures).toMatchObject({ ticketsRead: 1, counted: 1 });
    expect(plan.corrections).toEqual([{ recId: 'A', state: state() }]);
  });
});

describe('planReconcile: tickets Redis counts that the range answer did not give as the period’s', () => {
  it('moves out a ticket HEAT dates in another period: under its tags, or untagged under our decision', () => {
    const redis = redisWith([
      ['A', state({ category: 'website', scope: 'out_of_scope' })],
      ['B', state({ category: 'website', scope: 'out_of_scope' })],
    ]);
    const partial = {
      rangeRows: [
        row('A', { createdDateTime: OCT_MARGIN, school: JEFFERSON }),
        row('B', { createdDateTime: DEC_MARGIN, school: '', category: null }),
      ],
      redis,
    };
    const plan = planReconcile(input(partial));
    expect(plan.movesOut).toEqual([
      { recId: 'A', state: state({ period: '2026-10', school: JEFFERSON }) },
      {
        recId: 'B',
        state: state({ period: '2026-12', school: NO_SCHOOL, category: 'website', scope: 'out_of_scope' }),
      },
    ]);
    expect(plan.figures).toMatchObject({ ticketsMovedOut: 2, ticketsLookedUp: 0, outsidePeriod: 2 });
    expect(recIdsToLookUp(input(partial))).toEqual([]);
    expect(plan.counters).toEqual({ rebuild: false, expected: {} });
    expect(plan.differences.map((d) => [d.column, d.before, d.after])).toEqual([
      ['total', 2, 0],
      ['out_of_scope', 2, 0],
      ['website', 2, 0],
    ]);
  });

  it('looks up by RecId the tickets the range lacks entirely, and removes those HEAT does not have', () => {
    const consistent = redisWith([
      ['A', state()],
      ['GONE', state({ category: 'website', scope: 'out_of_scope' })],
      ['OLD', state({ period: '2026-10' })],
    ]);
    // Also a stale member (its state is of another period) and one without a state: never looked up.
    const redis = { ...consistent, members: [...consistent.members, 'OLD', 'NOSTATE'] };
    const partial = { rangeRows: [row('A')], redis };
    expect(recIdsToLookUp(input(partial))).toEqual(['GONE']);
    const plan = planReconcile(input({ ...partial, lookedUp: [] }));
    expect(plan.removals).toEqual(['GONE']);
    expect(plan.figures).toMatchObject({ ticketsLookedUp: 1, ticketsRemoved: 1, missedByRange: 0 });
    expect(plan.counters).toEqual({
      rebuild: false,
      expected: { [field(LINCOLN, 'hardware', 'in_scope')]: 1 },
    });
  });

  it('keeps a ticket the look-up finds in this period (missedByRange), correcting it only when its tags differ', () => {
    const redis = redisWith([
      ['aa01', state()],
      ['aa02', state()],
      ['aa03', state()],
      ['aa04', state()],
    ]);
    const lookedUp = [
      row('AA01'), // HEAT's eq is case-insensitive: the answer's RecId may differ in case
      row('AA02', { category: 'telephone', scope: 'out_of_scope' }),
      row('AA03', { category: null }),
      row('AA04', { createdDateTime: '0001-01-01T00:00:00Z' }),
    ];
    expect(recIdsToLookUp(input({ redis }))).toEqual(['aa01', 'aa02', 'aa03', 'aa04']);
    const plan = planReconcile(input({ redis, lookedUp }));
    expect(plan.corrections).toEqual([
      { recId: 'aa02', state: state({ category: 'telephone', scope: 'out_of_scope' }) },
    ]);
    expect([plan.movesOut, plan.removals]).toEqual([[], []]);
    // aa04 has no usable date: nothing confirms it left, so it stays as counted, and is not "missed".
    expect(plan.figures).toMatchObject({ ticketsLookedUp: 4, missedByRange: 3, ticketsCorrected: 1 });
  });

  it('moves out a ticket the look-up finds in another period', () => {
    const redis = redisWith([['A', state({ category: 'website', scope: 'out_of_scope' })]]);
    const plan = planReconcile(
      input({ redis, lookedUp: [row('A', { createdDateTime: '2026-09-15T17:00:00Z', category: '' })] }),
    );
    expect(plan.movesOut).toEqual([
      { recId: 'A', state: state({ period: '2026-09', category: 'website', scope: 'out_of_scope' }) },
    ]);
    expect(plan.figures).toMatchObject({ ticketsLookedUp: 1, ticketsMovedOut: 1, missedByRange: 0 });
  });
});

describe('planReconcile: counters', () => {
  const hardware = field(LINCOLN, 'hardware', 'in_scope');

  it('are not rebuilt when, after the moves, they agree with the tickets’ states', () => {
    const plan = planReconcile(
      input({
        rangeRows: [row('A'), row('B')],
        redis: redisWith([['A', state({ category: 'software_access' })]]),
      }),
    );
    expect(plan.corrections.map((m) => m.recId)).toEqual(['A', 'B']);
    expect(plan.counters).toEqual({ rebuild: false, expected: { [hardware]: 2 } });
  });

  it('are rebuilt when they disagree (a damaged hash), and `after` is what the states imply', () => {
    const redis = redisWith([
      ['A', state()],
      ['B', state()],
    ]);
    const damaged = {
      ...redis,
      counters: { [hardware]: 9, [field('Closed School', 'hardware', 'in_scope')]: 1 },
    };
    const plan = planReconcile(input({ rangeRows: [row('A'), row('B')], redis: damaged }));
    expect([plan.corrections, plan.expiryRefresh]).toEqual([[], ['A', 'B']]);
    expect(plan.counters).toEqual({ rebuild: true, expected: { [hardware]: 2 } });
    expect(plan.differences).toEqual([
      { school: 'Closed School', column: 'total', before: 1, after: 0 },
      { school: 'Closed School', column: 'in_scope', before: 1, after: 0 },
      { school: 'Closed School', column: 'hardware', before: 1, after: 0 },
      { school: LINCOLN, column: 'total', before: 9, after: 2 },
      { school: LINCOLN, column: 'in_scope', before: 9, after: 2 },
      { school: LINCOLN, column: 'hardware', before: 9, after: 2 },
    ]);
  });

  it('are not rebuilt when the moves themselves bring a short count back in line (a field stops at zero)', () => {
    // The hash says 1 where two tickets are counted; both are removed: the move script drops the field
    // at 0, the second decrement finds it absent and drops it again, and nothing is left to disagree.
    const redis = {
      ...redisWith([
        ['A', state()],
        ['B', state()],
      ]),
      counters: { [hardware]: 1 },
    };
    const plan = planReconcile(input({ redis }));
    expect(plan.removals).toEqual(['A', 'B']);
    expect(plan.counters).toEqual({ rebuild: false, expected: {} });
  });
});

describe('planReconcile: school records', () => {
  const record = (name: string, recId: string, extra: HeatRecord = {}): HeatRecord => ({
    RecId: recId,
    Name: name,
    ...extra,
  });

  it('are planned for the current period only', () => {
    const past = planReconcile(
      input({
        rangeRows: [row('A')],
        currentPeriod: '2026-12',
        schoolRecords: {
          keyField: 'Name',
          showingPeriod: [],
          byName: [record(LINCOLN, 'S1')],
        },
      }),
    );
    expect(past.schools).toBeNull();
    const current = planReconcile(
      input({
        rangeRows: [row('A')],
        currentPeriod: PERIOD,
        schoolRecords: {
          keyField: 'Name',
          showingPeriod: [],
          byName: [record(LINCOLN, 'S1')],
        },
      }),
    );
    expect(current.schools).toEqual({
      writes: [
        {
          school: LINCOLN,
          recId: 'S1',
          counts: current.after[0],
          record: record(LINCOLN, 'S1'),
          hasCounts: true,
        },
      ],
      keepCached: [LINCOLN],
      unknownSchools: [],
    });
    expect(current.after[0]).toMatchObject({ school: LINCOLN, total: 1 });
  });

  it('zero a school whose tickets all left, prefer the exact-case record, and list schools without a record', () => {
    const rows = [
      row('A', { school: JEFFERSON }),
      row('B', { school: 'Nowhere Academy' }),
      row('C', { school: '' }),
    ];
    // Redis counted C at Lincoln; HEAT now has it without a school.
    const redis = redisWith([['C', state()]]);
    const showing = [record('Closed Annex', 'S9', { SBT_CountPeriod: PERIOD })];
    const byName = [record('JEFFERSON HIGH SCHOOL', 'S2'), record(JEFFERSON, 'S3'), record(LINCOLN, 'S1')];
    const ticketsInput = input({ rangeRows: rows, redis, currentPeriod: PERIOD });
    const plan = planReconcile({
      ...ticketsInput,
      schoolRecords: { keyField: 'Name', showingPeriod: showing, byName },
    });
    expect(schoolsToLookUp(plan, 'Name', showing)).toEqual([JEFFERSON, 'Nowhere Academy', LINCOLN]);
    const jefferson = plan.after.find((r) => r.school === JEFFERSON);
    expect(plan.schools).toEqual({
      writes: [
        {
          school: 'Closed Annex',
          recId: 'S9',
          counts: emptySchoolCounts(PERIOD, 'Closed Annex'),
          record: showing[0],
          hasCounts: false,
        },
        { school: JEFFERSON, recId: 'S3', counts: jefferson, record: byName[1], hasCounts: true },
        {
          school: LINCOLN,
          recId: 'S1',
          counts: emptySchoolCounts(PERIOD, LINCOLN),
          record: byName[2],
          hasCounts: false,
        },
      ],
      keepCached: [JEFFERSON],
      unknownSchools: ['Nowhere Academy'],
    });
  });
});
