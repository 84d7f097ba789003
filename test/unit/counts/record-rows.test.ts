import { describe, expect, it } from 'vitest';
import {
  encodeTicketState,
  NO_SCHOOL,
  planRowCounts,
  type PeriodConfig,
  type ReconcileRow,
} from '../../../src/counts/index.js';

// planRowCounts takes the clock as a number: every outcome here is pinned by the input alone.
const CFG: PeriodConfig = { period: 'month', schoolYearStartMonth: 8, timeZone: 'America/Chicago' };
const NOW = Date.parse('2026-12-01T12:00:00Z');
const LINCOLN = 'Lincoln Elementary';

function row(recId: string, over: Partial<ReconcileRow> = {}): ReconcileRow {
  return {
    recId,
    incidentNumber: 1000,
    // 10 Nov 09:00 CST.
    createdDateTime: '2026-11-10T15:00:00Z',
    school: LINCOLN,
    category: 'hardware',
    scope: 'in_scope',
    ...over,
  };
}

describe('planRowCounts (counting from pages)', () => {
  it('moves only the tickets whose stored state differs, each once', () => {
    const stored = new Map([
      [
        'A',
        encodeTicketState({ period: '2026-11', school: LINCOLN, category: 'hardware', scope: 'in_scope' }),
      ],
      [
        'B',
        encodeTicketState({
          period: '2026-11',
          school: LINCOLN,
          category: 'telephone',
          scope: 'out_of_scope',
        }),
      ],
    ]);
    const { moves, result } = planRowCounts(
      [row('A'), row('B'), row('C', { school: '  ' }), row('C')],
      stored,
      CFG,
      NOW,
    );
    expect(moves).toEqual([
      { recId: 'B', state: { period: '2026-11', school: LINCOLN, category: 'hardware', scope: 'in_scope' } },
      {
        recId: 'C',
        state: { period: '2026-11', school: NO_SCHOOL, category: 'hardware', scope: 'in_scope' },
      },
    ]);
    expect(result).toEqual({
      rows: 3,
      counted: 0,
      alreadyCounted: 1,
      noCreatedDate: 0,
      invalid: 0,
      pastRetention: 0,
    });
  });

  it('counts a ticket in the period of its CreatedDateTime on the district clock', () => {
    // 23:59 on 30 November in Chicago is 05:59Z on 1 December: November's.
    const { moves } = planRowCounts(
      [row('A', { createdDateTime: '2026-12-01T05:59:00Z' })],
      new Map(),
      CFG,
      NOW,
    );
    expect(moves[0]?.state.period).toBe('2026-11');
  });

  it('skips rows without a usable date, without policy ids, or past the retention', () => {
    const { moves, result } = planRowCounts(
      [
        row('A', { createdDateTime: '0001-01-01T00:00:00Z' }),
        row('B', { createdDateTime: null }),
        row('C', { category: 'printers' }),
        row('D', { scope: 'maybe' }),
        row('E', { createdDateTime: '2024-01-10T15:00:00Z' }),
        row('', {}),
      ],
      new Map(),
      CFG,
      NOW,
    );
    expect(moves).toEqual([]);
    expect(result).toEqual({
      rows: 5,
      counted: 0,
      alreadyCounted: 0,
      noCreatedDate: 2,
      invalid: 2,
      pastRetention: 1,
    });
  });
});
