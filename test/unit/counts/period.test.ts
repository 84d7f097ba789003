import { describe, expect, it } from 'vitest';
import { parsePeriod, periodOf, periodRange, type PeriodConfig } from '../../../src/counts/index.js';

const month: PeriodConfig = { period: 'month', schoolYearStartMonth: 8, timeZone: 'America/Chicago' };
const schoolYear: PeriodConfig = {
  period: 'school_year',
  schoolYearStartMonth: 8,
  timeZone: 'America/Chicago',
};

describe('periodOf (month)', () => {
  it('puts 23:59 on the last day of the month in Chicago in that month, although UTC is already next month', () => {
    // 2026-11-30 23:59 CST (-06:00) is 2026-12-01T05:59Z.
    expect(periodOf('2026-11-30T23:59:00-06:00', month)).toBe('2026-11');
    expect(periodOf('2026-12-01T05:59:00Z', month)).toBe('2026-11');
    expect(periodOf('2026-12-01T05:59:59.999Z', month)).toBe('2026-11');
    // One minute later it is December in Chicago.
    expect(periodOf('2026-12-01T06:00:00Z', month)).toBe('2026-12');
    expect(periodOf('2026-12-01T00:00:00-06:00', month)).toBe('2026-12');
  });

  it('uses the district zone, not the offset the timestamp was written with', () => {
    // HEAT may render dates with another offset; the instant decides.
    expect(periodOf('2026-10-01T01:30:00-04:00', month)).toBe('2026-10'); // 00:30 CDT on 1 Oct
    expect(periodOf('2026-10-01T00:30:00-04:00', month)).toBe('2026-09'); // 23:30 CDT on 30 Sep
  });

  it('handles the DST changes (CDT ends 2026-11-01 02:00, starts 2027-03-14 02:00)', () => {
    // 23:59 CDT (-05:00) on 31 October is 04:59Z on 1 November.
    expect(periodOf('2026-11-01T04:59:00Z', month)).toBe('2026-10');
    expect(periodOf('2026-11-01T05:00:00Z', month)).toBe('2026-11');
    // 28 Feb 2027 23:59 CST is 05:59Z on 1 March.
    expect(periodOf('2027-03-01T05:59:00Z', month)).toBe('2027-02');
    expect(periodOf('2027-03-01T06:00:00Z', month)).toBe('2027-03');
  });

  it('follows the configured zone', () => {
    const tokyo = { ...month, timeZone: 'Asia/Tokyo' };
    expect(periodOf('2026-11-30T15:00:00Z', tokyo)).toBe('2026-12');
    expect(periodOf('2026-11-30T14:59:59Z', tokyo)).toBe('2026-11');
    const utc = { ...month, timeZone: 'UTC' };
    expect(periodOf('2026-11-30T23:59:59Z', utc)).toBe('2026-11');
  });

  it('names the problem for a bad date or zone', () => {
    expect(() => periodOf('yesterday', month)).toThrow(/CreatedDateTime "yesterday" is not an ISO-8601/);
    expect(() => periodOf('2026-11-01T00:00:00Z', { ...month, timeZone: 'Mars/Olympus' })).toThrow(
      /counts\.timeZone/,
    );
  });
});

describe('periodOf (school year)', () => {
  it('starts the school year in the configured month, in local time', () => {
    expect(periodOf('2026-08-01T05:00:00Z', schoolYear)).toBe('SY2026-27'); // 00:00 CDT 1 Aug
    expect(periodOf('2026-08-01T04:59:59Z', schoolYear)).toBe('SY2025-26'); // 23:59 CDT 31 Jul
    expect(periodOf('2027-07-31T12:00:00Z', schoolYear)).toBe('SY2026-27');
    expect(periodOf('2027-01-15T12:00:00Z', schoolYear)).toBe('SY2026-27');
    expect(periodOf('2099-12-15T12:00:00Z', schoolYear)).toBe('SY2099-00');
  });

  it('uses the calendar year when school years start in January', () => {
    const january = { ...schoolYear, schoolYearStartMonth: 1 };
    expect(periodOf('2026-06-15T12:00:00Z', january)).toBe('SY2026');
    expect(periodOf('2027-01-01T05:59:00Z', january)).toBe('SY2026'); // 23:59 CST 31 Dec 2026
  });

  it('honours a July start', () => {
    const july = { ...schoolYear, schoolYearStartMonth: 7 };
    expect(periodOf('2026-07-01T12:00:00Z', july)).toBe('SY2026-27');
    expect(periodOf('2026-06-30T12:00:00Z', july)).toBe('SY2025-26');
  });
});

describe('periodRange', () => {
  it('gives the local-midnight instants of a month (CDT at the start of November, CST at its end)', () => {
    expect(periodRange('2026-11', month)).toEqual({
      start: '2026-11-01T05:00:00.000Z',
      end: '2026-12-01T06:00:00.000Z',
    });
    expect(periodRange('2026-12', month)).toEqual({
      start: '2026-12-01T06:00:00.000Z',
      end: '2027-01-01T06:00:00.000Z',
    });
    expect(periodRange('2027-03', month)).toEqual({
      start: '2027-03-01T06:00:00.000Z',
      end: '2027-04-01T05:00:00.000Z',
    });
  });

  it('agrees with periodOf at both edges of every month of a year', () => {
    for (let m = 1; m <= 12; m++) {
      const id = `2027-${String(m).padStart(2, '0')}`;
      const { start, end } = periodRange(id, month);
      expect(periodOf(start, month)).toBe(id);
      expect(periodOf(new Date(Date.parse(start) - 1000).toISOString(), month)).not.toBe(id);
      expect(periodOf(new Date(Date.parse(end) - 1000).toISOString(), month)).toBe(id);
      expect(periodOf(end, month)).not.toBe(id);
    }
  });

  it('spans twelve months for a school year', () => {
    expect(periodRange('SY2026-27', schoolYear)).toEqual({
      start: '2026-08-01T05:00:00.000Z',
      end: '2027-08-01T05:00:00.000Z',
    });
    const january = { ...schoolYear, schoolYearStartMonth: 1, timeZone: 'UTC' };
    expect(periodRange('SY2026', january)).toEqual({
      start: '2026-01-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
  });

  it('works in a zone east of UTC', () => {
    expect(periodRange('2026-11', { ...month, timeZone: 'Europe/Berlin' })).toEqual({
      start: '2026-10-31T23:00:00.000Z',
      end: '2026-11-30T23:00:00.000Z',
    });
  });

  it('refuses an id of the wrong kind or shape, showing the expected form', () => {
    expect(() => periodRange('2026-13', month)).toThrow(/use the form 2026-11/);
    expect(() => periodRange('SY2026-27', month)).toThrow(/counts\.period is month/);
    expect(() => periodRange('2026-11', schoolYear)).toThrow(/use the form SY2026-27/);
    expect(() => periodRange('SY2026-28', schoolYear)).toThrow(/school year id/);
    expect(parsePeriod('2026-02', month)).toEqual({ year: 2026, month: 2 });
  });
});

describe('periodOf (cached per UTC hour)', () => {
  it("splits an hour that holds a half- or quarter-hour zone's midnight, asked in either order", () => {
    const kolkata: PeriodConfig = { ...month, timeZone: 'Asia/Kolkata' }; // +05:30: midnight at 18:30Z
    expect(periodOf('2026-11-30T18:45:00Z', kolkata)).toBe('2026-12');
    expect(periodOf('2026-11-30T18:29:59.999Z', kolkata)).toBe('2026-11');
    expect(periodOf('2026-11-30T18:30:00Z', kolkata)).toBe('2026-12');
    expect(periodOf('2026-11-30T18:00:00Z', kolkata)).toBe('2026-11');
    const kathmandu: PeriodConfig = { ...month, timeZone: 'Asia/Kathmandu' }; // +05:45: midnight at 18:15Z
    expect(periodOf('2026-11-30T18:14:59Z', kathmandu)).toBe('2026-11');
    expect(periodOf('2026-11-30T18:15:00Z', kathmandu)).toBe('2026-12');
    expect(periodOf('2026-11-30T18:14:00Z', kathmandu)).toBe('2026-11');
  });

  it('answers as Intl does for every quarter hour around a month end and a DST change', () => {
    const zones = ['America/Chicago', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    const local = (ms: number, timeZone: string): string => {
      const parts = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
      }).formatToParts(new Date(ms));
      return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
    };
    // Lord Howe moves its clock by 30 minutes on 2026-10-04; Chicago ends DST on 2026-11-01.
    for (const start of ['2026-10-03T00:00:00Z', '2026-10-31T00:00:00Z', '2026-11-30T00:00:00Z']) {
      for (const timeZone of zones) {
        const cfg: PeriodConfig = { ...month, timeZone };
        for (let ms = Date.parse(start); ms < Date.parse(start) + 2 * 86_400_000; ms += 15 * 60_000) {
          for (const at of [ms, ms + 60_000, ms - 1]) {
            expect(
              `${timeZone} ${new Date(at).toISOString()} ${periodOf(new Date(at).toISOString(), cfg)}`,
            ).toBe(`${timeZone} ${new Date(at).toISOString()} ${local(at, timeZone)}`);
          }
        }
      }
    }
  });
});
