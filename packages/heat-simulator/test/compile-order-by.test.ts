import { describe, expect, it } from 'vitest';
import { compileOrderBy } from '../src/compile-order-by.js';
import { buildEntitySchemas } from '../src/entity-schemas.js';
import { HeatError } from '../src/heat-error.js';

const incidents = buildEntitySchemas({ incidents: [], organizationalunits: [] }).get('incidents')!;
const rows = [
  { RecId: 'A', Status: 'logged', IncidentNumber: 10, LastModDateTime: '2026-01-01T00:00:00-06:00' },
  { RecId: 'B', Status: 'Active', IncidentNumber: 9, LastModDateTime: '2026-01-01T05:00:00Z' },
  { RecId: 'C', Status: null, IncidentNumber: 11, LastModDateTime: '2026-01-01T05:30:00Z' },
  { RecId: 'D', Status: 'Active', IncidentNumber: 8, LastModDateTime: '2026-01-01T06:00:00Z' },
];

describe('compileOrderBy', () => {
  it('sorts dates by instant across offsets', () => {
    const sort = compileOrderBy('LastModDateTime asc', incidents)!;
    // A (06:00Z) ties with D; the stable order keeps A before D.
    expect(sort([...rows]).map((r) => r.RecId)).toEqual(['B', 'C', 'A', 'D']);
  });

  it('applies several clauses, case-insensitive text, nulls first', () => {
    const sort = compileOrderBy('Status asc, IncidentNumber desc', incidents)!;
    expect(sort([...rows]).map((r) => r.RecId)).toEqual(['C', 'B', 'D', 'A']);
    const desc = compileOrderBy('IncidentNumber DESC', incidents)!;
    expect(desc([...rows]).map((r) => r.RecId)).toEqual(['C', 'A', 'B', 'D']);
  });

  it('returns null (HEAT answers 204) for an unknown field or a bad direction', () => {
    expect(compileOrderBy('NoSuchField asc', incidents)).toBeNull();
    expect(compileOrderBy('Status upwards', incidents)).toBeNull();
  });

  it('throws 500 ISM_5000 for an empty $orderby and passes undefined through', () => {
    expect(() => compileOrderBy('', incidents)).toThrow(HeatError);
    try {
      compileOrderBy(' ', incidents);
    } catch (error) {
      expect((error as HeatError).status).toBe(500);
      expect((error as HeatError).code).toBe('ISM_5000');
    }
    expect(compileOrderBy(undefined, incidents)).toBeUndefined();
  });
});
