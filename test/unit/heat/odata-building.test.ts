import { describe, expect, it } from 'vitest';
import {
  and,
  backoffDelay,
  buildQueryString,
  eq,
  filterSince,
  nextWatermark,
  odataDateLiteral,
  odataLiteral,
  or,
} from '../../../src/heat/index.js';
import { joinUrl, recordPath } from '../../../src/heat/heat-paths.js';

describe('OData filter builders', () => {
  it('quotes strings with doubled single quotes and leaves numbers and booleans bare', () => {
    expect(eq('Status', 'Active')).toBe("Status eq 'Active'");
    expect(eq('OwnerTeam', "O'Brien's Team")).toBe("OwnerTeam eq 'O''Brien''s Team'");
    expect(eq('IncidentNumber', 10435)).toBe('IncidentNumber eq 10435');
    expect(eq('IsVIP', true)).toBe('IsVIP eq true');
    expect(eq('Owner', null)).toBe("Owner eq '$NULL'");
    expect(() => odataLiteral(Number.NaN)).toThrow(/NaN/);
  });

  it('always parenthesises and/or because HEAT has no and-before-or precedence', () => {
    expect(and(eq('A', 1), eq('B', 2))).toBe('(A eq 1 and B eq 2)');
    expect(or(eq('A', 1), and(eq('B', 2), eq('C', 3)))).toBe('(A eq 1 or (B eq 2 and C eq 3))');
    expect(or(eq('A', 1))).toBe('(A eq 1)');
    expect(and('', eq('A', 1))).toBe('(A eq 1)');
    expect(() => or()).toThrow(/at least one/);
  });

  it('writes bare date literals: full UTC timestamp, or a day-early date', () => {
    expect(filterSince('LastModDateTime', '2026-11-01T10:00:00Z', 'timestamp')).toBe(
      'LastModDateTime ge 2026-11-01T10:00:00Z',
    );
    // Offsets are converted to UTC; milliseconds rounded down (never later than asked).
    expect(odataDateLiteral('2026-11-01T04:00:00.900-06:00')).toBe('2026-11-01T10:00:00Z');
    expect(filterSince('LastModDateTime', '2026-11-01T00:30:00Z', 'date')).toBe(
      'LastModDateTime ge 2026-10-31',
    );
    expect(filterSince('LastModDateTime', '2026-03-01T23:59:00Z', 'date')).toBe(
      'LastModDateTime ge 2026-02-28',
    );
    expect(filterSince('LastModDateTime', '2026-11-01T10:00:00Z')).not.toMatch(/datetime'/i);
    expect(() => filterSince('LastModDateTime', 'yesterday')).toThrow(/not an ISO-8601/);
  });
});

describe('buildQueryString', () => {
  it('keeps $ names literal, joins $select with commas and encodes values', () => {
    const qs = buildQueryString({
      filter: "(Status eq 'Active' and OwnerTeam eq 'A&B')",
      select: ['RecId', 'Subject'],
      orderby: 'LastModDateTime asc, RecId asc',
      top: 100,
      skip: 200,
    });
    expect(qs).toBe(
      "?$filter=(Status%20eq%20'Active'%20and%20OwnerTeam%20eq%20'A%26B')&$select=RecId,Subject&$orderby=LastModDateTime%20asc,RecId%20asc&$top=100&$skip=200",
    );
    expect(new URLSearchParams(qs.slice(1)).get('$filter')).toBe(
      "(Status eq 'Active' and OwnerTeam eq 'A&B')",
    );
  });

  it('leaves out empty $select/$orderby (HEAT answers 500 to them) and refuses $top over 100', () => {
    expect(buildQueryString({ select: [], orderby: '', filter: ' ' })).toBe('');
    expect(() => buildQueryString({ top: 101 })).toThrow(/1 to 100/);
    expect(() => buildQueryString({ skip: -1 })).toThrow(/non-negative/);
  });
});

describe('paths', () => {
  it('joins a base URL with or without the /HEAT prefix and trailing slashes without doubling', () => {
    expect(joinUrl('https://h.example/HEAT/', '/api/x')).toBe('https://h.example/HEAT/api/x');
    expect(joinUrl('https://h.example//', 'api/x')).toBe('https://h.example/api/x');
    expect(joinUrl('https://h.example', '/api/x')).toBe('https://h.example/api/x');
  });

  it("quotes record keys: incidents('RECID')", () => {
    expect(recordPath('incidents', 'ABC')).toBe("/api/odata/businessobject/incidents('ABC')");
    expect(recordPath('incidents', "a'b")).toBe("/api/odata/businessobject/incidents('a''b')");
    expect(() => recordPath('incidents', '')).toThrow(/RecId is empty/);
    expect(() => recordPath('incidents/../x', 'A')).toThrow(/not valid/);
  });
});

describe('nextWatermark', () => {
  it('takes the latest instant across mixed offsets, not the largest string', () => {
    const records = [
      { RecId: 'A', LastModDateTime: '2026-11-01T09:30:00-08:00' }, // 17:30Z: the latest
      { RecId: 'B', LastModDateTime: '2026-11-01T20:00:00+05:30' }, // 14:30Z: larger string, earlier instant
      { RecId: 'C', LastModDateTime: '2026-11-01T12:00:00Z' },
    ];
    expect(nextWatermark('2026-11-01T00:00:00Z', records)).toBe('2026-11-01T17:30:00.000Z');
  });

  it('never goes backwards and ignores missing or unparseable dates', () => {
    const records = [
      { RecId: 'A', LastModDateTime: '2026-10-01T00:00:00Z' },
      { RecId: 'B', LastModDateTime: 'not a date' },
      { RecId: 'C' },
      { RecId: 'D', LastModDateTime: '0001-01-01T00:00:00Z' },
    ];
    expect(nextWatermark('2026-11-01T05:00:00+01:00', records)).toBe('2026-11-01T04:00:00.000Z');
    expect(nextWatermark('2026-11-01T04:00:00Z', [])).toBe('2026-11-01T04:00:00.000Z');
    expect(() => nextWatermark('garbage', [])).toThrow(/watermark/);
  });
});

describe('backoffDelay', () => {
  it('is full jitter under base * 2^attempt, capped at maxDelayMs', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(10, policy, () => 0.5)).toBe(500);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});
