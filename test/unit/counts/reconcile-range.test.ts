import { describe, expect, it } from 'vitest';
import {
  MAX_UTC_OFFSET_MS,
  periodExpiresAt,
  periodRange,
  periodsToReconcile,
  previousPeriod,
  widenedCreatedFilter,
  type PeriodConfig,
} from '../../../src/counts/index.js';

const month: PeriodConfig = { period: 'month', schoolYearStartMonth: 8, timeZone: 'America/Chicago' };
const schoolYear: PeriodConfig = {
  period: 'school_year',
  schoolYearStartMonth: 8,
  timeZone: 'America/Chicago',
};
const calendarYear: PeriodConfig = {
  period: 'school_year',
  schoolYearStartMonth: 1,
  timeZone: 'America/Chicago',
};

describe('widenedCreatedFilter', () => {
  const november = periodRange('2026-11', month); // 2026-11-01T05:00Z .. 2026-12-01T06:00Z

  it('widens the period by a day on each side, in bare timestamps', () => {
    expect(widenedCreatedFilter('CreatedDateTime', november, 'timestamp')).toEqual({
      filter: '(CreatedDateTime ge 2026-10-31T05:00:00Z and CreatedDateTime lt 2026-12-02T06:00:00Z)',
      from: '2026-10-31T05:00:00Z',
      to: '2026-12-02T06:00:00Z',
      covered: { start: '2026-10-31T19:00:00.000Z', end: '2026-12-01T16:00:00.000Z' },
    });
  });

  it('writes bare dates rounded outwards when the tenant wants dates', () => {
    const query = widenedCreatedFilter('CreatedDateTime', november, 'date');
    expect(query.filter).toBe('(CreatedDateTime ge 2026-10-30 and CreatedDateTime lt 2026-12-03)');
    expect(query.covered).toEqual({ start: '2026-10-30T14:00:00.000Z', end: '2026-12-02T10:00:00.000Z' });
  });

  it('covers the whole period however the tenant reads the literals (any zone, any period, both formats)', () => {
    const zones = [
      'America/Chicago',
      'Pacific/Kiritimati',
      'Etc/GMT+12',
      'Pacific/Pago_Pago',
      'Asia/Kolkata',
      'UTC',
    ];
    for (const timeZone of zones) {
      for (const cfg of [
        { ...month, timeZone },
        { ...schoolYear, timeZone },
      ]) {
        const periods = cfg.period === 'month' ? ['2026-01', '2026-03', '2026-11', '2026-12'] : ['SY2026-27'];
        for (const period of periods) {
          const range = periodRange(period, cfg);
          for (const format of ['timestamp', 'date'] as const) {
            const query = widenedCreatedFilter('CreatedDateTime', range, format);
            // A literal read in any local time names an instant within 14 h of its UTC reading.
            const lower = Date.parse(query.from.length === 10 ? `${query.from}T00:00:00Z` : query.from);
            const upper = Date.parse(query.to.length === 10 ? `${query.to}T00:00:00Z` : query.to);
            expect(lower + MAX_UTC_OFFSET_MS, `${timeZone} ${period} ${format}`).toBeLessThanOrEqual(
              Date.parse(range.start),
            );
            expect(upper - MAX_UTC_OFFSET_MS, `${timeZone} ${period} ${format}`).toBeGreaterThanOrEqual(
              Date.parse(range.end),
            );
            expect(Date.parse(query.covered.start)).toBeLessThanOrEqual(Date.parse(range.start));
            expect(Date.parse(query.covered.end)).toBeGreaterThanOrEqual(Date.parse(range.end));
          }
        }
      }
    }
  });
});

describe('previousPeriod', () => {
  it('steps back one month or one school year', () => {
    expect(previousPeriod('2026-11', month)).toBe('2026-10');
    expect(previousPeriod('2026-01', month)).toBe('2025-12');
    expect(previousPeriod('SY2026-27', schoolYear)).toBe('SY2025-26');
    expect(previousPeriod('SY2000-01', schoolYear)).toBe('SY1999-00');
    expect(previousPeriod('SY2026', calendarYear)).toBe('SY2025');
  });

  it('refuses a period of the wrong form', () => {
    expect(() => previousPeriod('SY2026-27', month)).toThrow(/use the form 2026-11/);
  });
});

describe('periodsToReconcile', () => {
  it('adds the previous month during the first three local days of a month', () => {
    // 02:30 in Chicago on 1, 2 and 3 December (CST, -06:00).
    expect(periodsToReconcile('2026-12-01T08:30:00Z', month)).toEqual(['2026-11', '2026-12']);
    expect(periodsToReconcile('2026-12-03T08:30:00Z', month)).toEqual(['2026-11', '2026-12']);
    // 23:59 on 3 December in Chicago is already the 4th in UTC: still the catch-up window.
    expect(periodsToReconcile('2026-12-04T05:59:00Z', month)).toEqual(['2026-11', '2026-12']);
    expect(periodsToReconcile('2026-12-04T08:30:00Z', month)).toEqual(['2026-12']);
    // 30 November 22:00 in Chicago is 1 December in UTC: November only.
    expect(periodsToReconcile('2026-12-01T04:00:00Z', month)).toEqual(['2026-11']);
    expect(periodsToReconcile('2027-01-02T08:30:00Z', month)).toEqual(['2026-12', '2027-01']);
  });

  it('adds the previous school year during the first three days of its first month only', () => {
    expect(periodsToReconcile('2026-08-02T07:30:00Z', schoolYear)).toEqual(['SY2025-26', 'SY2026-27']);
    expect(periodsToReconcile('2026-09-02T07:30:00Z', schoolYear)).toEqual(['SY2026-27']);
    expect(periodsToReconcile('2027-01-02T08:30:00Z', calendarYear)).toEqual(['SY2026', 'SY2027']);
  });
});

describe('periodExpiresAt', () => {
  it('is 400 days after the period ends in the district zone', () => {
    const at = (period: string, cfg: PeriodConfig) =>
      new Date(periodExpiresAt(period, cfg) * 1000).toISOString();
    // November 2026 ends at 2026-12-01T06:00Z; 2028 is a leap year, but February comes after.
    expect(at('2026-11', month)).toBe('2028-01-05T06:00:00.000Z');
    // SY2026-27 ends at 2027-08-01T05:00Z (CDT).
    expect(at('SY2026-27', schoolYear)).toBe('2028-09-04T05:00:00.000Z');
  });

  it('answers from its per-period cache for the config it was asked with, and still refuses a bad id', () => {
    const at = (period: string, cfg: PeriodConfig) =>
      new Date(periodExpiresAt(period, cfg) * 1000).toISOString();
    expect(at('2026-11', month)).toBe('2028-01-05T06:00:00.000Z');
    // The same period in another zone is another answer (midnight in Honolulu is 10:00Z), not the cached one.
    expect(at('2026-11', { ...month, timeZone: 'Pacific/Honolulu' })).toBe('2028-01-05T10:00:00.000Z');
    expect(at('2026-11', month)).toBe('2028-01-05T06:00:00.000Z');
    expect(() => periodExpiresAt('2026-13', month)).toThrow(/not a month id/);
    expect(() => periodExpiresAt('2026-13', month)).toThrow(/not a month id/);
  });
});
