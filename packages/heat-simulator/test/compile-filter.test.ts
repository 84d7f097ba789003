import { describe, expect, it } from 'vitest';
import { compileFilter } from '../src/compile-filter.js';
import { buildEntitySchemas } from '../src/entity-schemas.js';
import { HeatError } from '../src/heat-error.js';

const incidents = buildEntitySchemas({
  incidents: ['SBT_Scope', 'SBT_Confidence'],
  organizationalunits: [],
}).get('incidents')!;

const rows: Array<Record<string, unknown>> = [
  {
    RecId: 'A',
    IncidentNumber: 1,
    Status: 'Logged',
    Owner: null,
    OwnerTeam: 'ITS Service Desk',
    LastModDateTime: '2026-01-01T05:59:59-06:00',
    IsVIP: false,
    SBT_Scope: null,
    SBT_Confidence: 0.9,
  },
  {
    RecId: 'B',
    IncidentNumber: 2,
    Status: 'Active',
    Owner: 'jdoe',
    OwnerTeam: 'School Technicians',
    LastModDateTime: '2026-01-01T00:00:00-06:00',
    IsVIP: true,
    SBT_Scope: 'in_scope',
    SBT_Confidence: 0.4,
  },
  {
    RecId: 'C',
    IncidentNumber: 3,
    Status: 'Closed',
    Owner: '',
    OwnerTeam: 'Telecommunications',
    LastModDateTime: '2026-11-01T10:00:00.500Z',
    IsVIP: false,
    SBT_Scope: 'out_of_scope',
    SBT_Confidence: null,
  },
];

function ids(filter: string): string[] {
  const compiled = compileFilter(filter, incidents);
  return rows
    .filter((r) => (compiled.predicate ? compiled.predicate(r) : true))
    .map((r) => r.RecId as string);
}

function heatErrorOf(filter: string): HeatError {
  try {
    compileFilter(filter, incidents);
  } catch (error) {
    if (error instanceof HeatError) return error;
    throw error;
  }
  throw new Error(`expected '${filter}' to be rejected`);
}

describe('compileFilter', () => {
  it('supports the six comparison operators on numbers', () => {
    expect(ids('IncidentNumber eq 2')).toEqual(['B']);
    expect(ids('IncidentNumber ne 2')).toEqual(['A', 'C']);
    expect(ids('IncidentNumber lt 2')).toEqual(['A']);
    expect(ids('IncidentNumber le 2')).toEqual(['A', 'B']);
    expect(ids('IncidentNumber gt 2')).toEqual(['C']);
    expect(ids('IncidentNumber ge 2')).toEqual(['B', 'C']);
  });

  it('compares strings case-insensitively, field names too', () => {
    expect(ids("Status eq 'active'")).toEqual(['B']);
    expect(ids("status EQ 'ACTIVE'")).toEqual(['B']);
    expect(ids("OwnerTeam ne 'its service desk'")).toEqual(['B', 'C']);
  });

  it('handles doubled quotes inside string literals', () => {
    const compiled = compileFilter("Subject eq 'can''t log in'", incidents);
    expect(compiled.predicate!({ Subject: "Can't log in" })).toBe(true);
    expect(compiled.predicate!({ Subject: 'cant log in' })).toBe(false);
  });

  it("treats '$NULL' as empty text: eq matches null and '', ne counts '' as present", () => {
    expect(ids("Owner eq '$NULL'")).toEqual(['A', 'C']);
    expect(ids("Owner ne '$NULL'")).toEqual(['B', 'C']);
  });

  it('never matches a null with a plain comparison (SQL semantics)', () => {
    expect(ids("SBT_Scope ne 'in_scope'")).toEqual(['C']);
  });

  it('evaluates and/or strictly left to right, as HEAT does (no and-before-or precedence)', () => {
    // Standard precedence would give A or (B and false) = [A]; left to right gives (A or B) and false = [].
    expect(ids("Status eq 'Logged' or Status eq 'Active' and IncidentNumber gt 5")).toEqual([]);
    expect(ids("Status eq 'Logged' or (Status eq 'Active' and IncidentNumber gt 5)")).toEqual(['A']);
    expect(ids("(Status eq 'Logged' or Status eq 'Active') and IsVIP eq true")).toEqual(['B']);
  });

  it('compares bare dates and full ISO timestamps as instants', () => {
    // 2026-01-01 is UTC midnight; A is 11:59:59Z, B is 06:00:00Z on that day.
    expect(ids('LastModDateTime gt 2026-01-01')).toEqual(['A', 'B', 'C']);
    expect(ids('LastModDateTime gt 2026-01-01T06:00:00Z')).toEqual(['A', 'C']);
    expect(ids('LastModDateTime ge 2026-01-01T00:00:00-06:00')).toEqual(['A', 'B', 'C']);
    expect(ids('LastModDateTime eq 2026-01-01T00:00:00-06:00')).toEqual(['B']);
    expect(ids('LastModDateTime gt 2026-11-01T10:00:00.499Z')).toEqual(['C']);
    expect(ids('LastModDateTime gt 2026-11-01T10:00:00.5Z')).toEqual([]);
    expect(ids('LastModDateTime lt 2026-01-01T12:00:00')).toEqual(['A', 'B']);
  });

  it('compares booleans and decimal numbers', () => {
    expect(ids('IsVIP eq true')).toEqual(['B']);
    expect(ids('IsVIP ne true')).toEqual(['A', 'C']);
    expect(ids('SBT_Confidence ge 0.5')).toEqual(['A']);
  });

  it('silently drops the whole filter when it holds a function call, as HEAT does', () => {
    for (const f of [
      "contains(Subject,'printer')",
      "startswith(Subject,'p') eq true",
      "Status eq 'Closed' and year(CreatedDateTime) eq 2026",
      "(Status eq 'Closed') or substringof('x', Subject)",
    ]) {
      const compiled = compileFilter(f, incidents);
      expect(compiled).toEqual({ predicate: null, ignored: true });
      expect(ids(f)).toEqual(['A', 'B', 'C']);
    }
  });

  it("rejects unknown fields, bad values and unsupported syntax with HEAT's 400", () => {
    for (const f of [
      "NoSuchField eq 'x'",
      'Status eq Active',
      "IncidentNumber eq 'abc'",
      "LastModDateTime gt datetime'2026-01-01T00:00:00'",
      "LastModDateTime gt '2026-01-01'",
      "Status eq 'x' xor Status eq 'y'",
      "not Status eq 'x'",
      "Status like 'x'",
      "(Status eq 'x'",
      "Status eq 'unterminated",
      'IsVIP eq maybe',
      "Status eq 'x' and",
    ]) {
      const error = heatErrorOf(f);
      expect(error.status, f).toBe(400);
      expect(error.body().code).toBe('ISM_4000');
      expect(error.body().message).toEqual([
        'Invalid Filter Value. Provide a valid Filter value and try again',
      ]);
    }
  });

  it("answers 'No such entry exists' for '$NULL' on a date or number field", () => {
    const error = heatErrorOf("LastModDateTime eq '$NULL'");
    expect(error.status).toBe(400);
    expect(error.body().message).toEqual(['No such entry exists']);
  });

  it('returns a match-all result for an empty filter', () => {
    expect(compileFilter(undefined, incidents)).toEqual({ predicate: null, ignored: false });
    expect(compileFilter('  ', incidents)).toEqual({ predicate: null, ignored: false });
  });
});
