import { dateValueOf } from './compile-filter.js';
import type { EntitySetDef, FieldDef } from './entity-schemas.js';
import { HeatError } from './heat-error.js';

export type RecordSorter = <T extends Record<string, unknown>>(records: T[]) => T[];

interface Clause {
  field: FieldDef;
  desc: boolean;
}

function sortKey(field: FieldDef, value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'number':
      return typeof value === 'number' ? value : Number(value);
    case 'date': {
      const ms = dateValueOf(value);
      return Number.isNaN(ms) ? null : ms;
    }
    case 'boolean':
      return value === true ? 1 : 0;
    default:
      // SQL Server's default collation is case-insensitive.
      return String(value).toLowerCase();
  }
}

/**
 * Compiles `$orderby` ("LastModDateTime asc,RecId desc"). Returns null when HEAT would answer 204 No Content
 * (unknown field or bad direction, docs/heat-api.md §4); throws 500 ISM_5000 for an empty value (D-Order21).
 * Nulls sort first ascending, as in SQL Server. Keys are computed once per record, not per comparison,
 * so that sorting a 10,000-ticket backlog stays cheap.
 */
export function compileOrderBy(text: string | undefined, set: EntitySetDef): RecordSorter | null | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') {
    throw new HeatError(500, 'ISM_5000', 'Internal Server Error', [
      "The parameter 'orderby' cannot be empty. Provide a valid orderby value and try again",
    ]);
  }
  const clauses: Clause[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+([A-Za-z]+))?\s*$/.exec(part);
    if (!m) return null;
    const field = set.byLowerName.get((m[1] as string).toLowerCase());
    const dir = (m[2] ?? 'asc').toLowerCase();
    if (!field || (dir !== 'asc' && dir !== 'desc')) return null;
    clauses.push({ field, desc: dir === 'desc' });
  }
  return <T extends Record<string, unknown>>(records: T[]): T[] => {
    const keyed = records.map((record, index) => ({
      record,
      index,
      keys: clauses.map((c) => sortKey(c.field, record[c.field.name])),
    }));
    keyed.sort((a, b) => {
      for (let i = 0; i < clauses.length; i += 1) {
        const ka = a.keys[i] ?? null;
        const kb = b.keys[i] ?? null;
        if (ka === kb) continue;
        let cmp: number;
        if (ka === null) cmp = -1;
        else if (kb === null) cmp = 1;
        else cmp = ka < kb ? -1 : ka > kb ? 1 : 0;
        if (cmp !== 0) return (clauses[i] as Clause).desc ? -cmp : cmp;
      }
      return a.index - b.index;
    });
    return keyed.map((k) => k.record);
  };
}
