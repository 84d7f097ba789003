import type { EntitySetDef, FieldDef } from './entity-schemas.js';
import type { HeatError } from './heat-error.js';
import { INVALID_FILTER_MESSAGE, badRequest } from './heat-error.js';

export type RecordPredicate = (record: Record<string, unknown>) => boolean;

export interface CompiledFilter {
  /** null = every record matches (no filter, or HEAT silently dropped it because it held a function call). */
  predicate: RecordPredicate | null;
  /** True when a function call (contains(), startswith(), year()...) made HEAT ignore the whole filter. */
  ignored: boolean;
}

type Token =
  | { kind: 'lparen' | 'rparen' | 'comma'; text: string }
  | { kind: 'string'; text: string; value: string }
  | { kind: 'number'; text: string; value: number }
  | { kind: 'date'; text: string; value: number }
  | { kind: 'ident'; text: string };

const COMPARISON_OPS = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
// ISO date, optionally with time, fractional seconds and zone: HEAT takes date literals bare, unquoted
// (docs/heat-api.md §6: `CreatedDateTime gt 2026-01-01`; `datetime'...'` fails).
const DATE_LITERAL = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/;
const NUMBER_LITERAL = /^-?\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

function invalid(): HeatError {
  return badRequest(INVALID_FILTER_MESSAGE, INVALID_FILTER_MESSAGE);
}

/** A bare date is UTC midnight; a timestamp without a zone is read as UTC too (documented choice). */
export function parseDateLiteral(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(
    text,
  );
  if (!m) return Number.NaN;
  const [, day, hm, sec, frac, zone] = m;
  if (!hm) return Date.parse(`${day}T00:00:00Z`);
  const ms = frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : '';
  return Date.parse(`${day}T${hm}:${sec ?? '00'}${ms}${zone ?? 'Z'}`);
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : 'comma', text: ch });
      i += 1;
      continue;
    }
    if (ch === "'") {
      // OData escapes a quote inside a string by doubling it.
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= input.length) throw invalid();
        if (input[j] === "'") {
          if (input[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += input[j];
        j += 1;
      }
      tokens.push({ kind: 'string', text: input.slice(i, j + 1), value });
      i = j + 1;
      continue;
    }
    const rest = input.slice(i);
    const dateMatch = DATE_LITERAL.exec(rest);
    if (dateMatch) {
      const value = parseDateLiteral(dateMatch[0]);
      if (Number.isNaN(value)) throw invalid();
      tokens.push({ kind: 'date', text: dateMatch[0], value });
      i += dateMatch[0].length;
      continue;
    }
    const numberMatch = NUMBER_LITERAL.exec(rest);
    if (numberMatch) {
      tokens.push({ kind: 'number', text: numberMatch[0], value: Number(numberMatch[0]) });
      i += numberMatch[0].length;
      continue;
    }
    const identMatch = IDENT.exec(rest);
    if (identMatch) {
      tokens.push({ kind: 'ident', text: identMatch[0] });
      i += identMatch[0].length;
      continue;
    }
    throw invalid();
  }
  return tokens;
}

const lower = (v: unknown): string | null =>
  v === null || v === undefined ? null : (typeof v === 'string' ? v : String(v)).toLowerCase();

function compareOp(op: string, cmp: number): boolean {
  switch (op) {
    case 'eq':
      return cmp === 0;
    case 'ne':
      return cmp !== 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
    case 'gt':
      return cmp > 0;
    default:
      return cmp >= 0;
  }
}

// Polls filter and sort 10,000 records on LastModDateTime; parsing each string once keeps a page cheap.
const parsedDates = new Map<string, number>();

/** Turns a record's date value into an instant (NaN when absent). */
export function dateValueOf(value: unknown): number {
  if (typeof value !== 'string' || value === '') return Number.NaN;
  let ms = parsedDates.get(value);
  if (ms === undefined) {
    if (parsedDates.size > 200_000) parsedDates.clear();
    ms = Date.parse(value);
    parsedDates.set(value, ms);
  }
  return ms;
}

function comparison(field: FieldDef, op: string, literal: Token): RecordPredicate {
  const name = field.name;
  const isNullLiteral = literal.kind === 'string' && literal.value === '$NULL';
  if (isNullLiteral) {
    // '$NULL' works on text only; on date/number fields HEAT answers 400 "No such entry exists" (docs/heat-api.md §4).
    if (field.type !== 'text') throw badRequest('Bad Request', 'No such entry exists');
    if (op === 'eq') return (r) => r[name] === null || r[name] === undefined || r[name] === '';
    // HEAT's `ne '$NULL'` still counts '' as present (docs/heat-api.md §4), so it is not the complement of eq.
    if (op === 'ne') return (r) => r[name] !== null && r[name] !== undefined;
    throw invalid();
  }
  switch (field.type) {
    case 'text': {
      if (literal.kind === 'lparen' || literal.kind === 'rparen' || literal.kind === 'comma') throw invalid();
      if (literal.kind === 'ident') throw invalid();
      const want = (literal.kind === 'string' ? literal.value : literal.text).toLowerCase();
      // SQL semantics: a null never equals nor differs from anything (documented choice, docs/heat-api.md §4 [I]).
      return (r) => {
        const have = lower(r[name]);
        if (have === null) return false;
        return compareOp(op, have < want ? -1 : have > want ? 1 : 0);
      };
    }
    case 'number': {
      let want: number;
      if (literal.kind === 'number') want = literal.value;
      else if (literal.kind === 'string' && NUMBER_LITERAL.test(literal.value) && literal.value.trim() !== '')
        want = Number(literal.value);
      else throw invalid();
      if (Number.isNaN(want)) throw invalid();
      return (r) => {
        const v = r[name];
        if (v === null || v === undefined || v === '') return false;
        const have = typeof v === 'number' ? v : Number(v);
        if (Number.isNaN(have)) return false;
        return compareOp(op, have - want);
      };
    }
    case 'date': {
      if (literal.kind !== 'date') throw invalid();
      const want = literal.value;
      return (r) => {
        const have = dateValueOf(r[name]);
        if (Number.isNaN(have)) return false;
        return compareOp(op, have - want);
      };
    }
    case 'boolean': {
      const text = literal.kind === 'string' ? literal.value.toLowerCase() : literal.text.toLowerCase();
      if (text !== 'true' && text !== 'false') throw invalid();
      const want = text === 'true';
      if (op !== 'eq' && op !== 'ne') throw invalid();
      return (r) => ((r[name] === true) === want) === (op === 'eq');
    }
  }
}

/**
 * Compiles a HEAT `$filter` into a predicate. Supported, as HEAT documents: the eight operators
 * `eq ne lt le gt ge and or`, parentheses, single-quoted strings, bare numbers and bare dates
 * (docs/heat-api.md §4). HEAT does NOT give `and` precedence over `or`; we evaluate strictly left to right
 * (`a or b and c` = `(a or b) and c`), so only parentheses group. A function call anywhere makes HEAT drop
 * the whole filter silently and return every record; so do we.
 */
export function compileFilter(text: string | undefined, set: EntitySetDef): CompiledFilter {
  if (text === undefined || text.trim() === '') return { predicate: null, ignored: false };
  const tokens = tokenize(text);
  let pos = 0;
  let ignored = false;
  const peek = (): Token | undefined => tokens[pos];
  const take = (): Token => {
    const t = tokens[pos];
    if (!t) throw invalid();
    pos += 1;
    return t;
  };

  const skipCall = (): void => {
    // At '(' after a function name: skip to its matching ')'.
    let depth = 0;
    do {
      const t = take();
      if (t.kind === 'lparen') depth += 1;
      else if (t.kind === 'rparen') depth -= 1;
    } while (depth > 0);
  };

  const parseTerm = (): RecordPredicate => {
    const t = take();
    if (t.kind === 'lparen') {
      const inner = parseExpr();
      if (take().kind !== 'rparen') throw invalid();
      return inner;
    }
    if (t.kind !== 'ident') throw invalid();
    const nameLower = t.text.toLowerCase();
    if (nameLower === 'not') throw invalid();
    if (peek()?.kind === 'lparen') {
      skipCall();
      ignored = true;
      // `contains(Subject,'x') eq true`: the comparison belongs to the ignored call.
      const next = peek();
      if (next?.kind === 'ident' && COMPARISON_OPS.has(next.text.toLowerCase())) {
        take();
        const value = take();
        if (value.kind === 'ident' && peek()?.kind === 'lparen') skipCall();
      }
      return () => true;
    }
    const field = set.byLowerName.get(nameLower);
    if (!field) throw invalid();
    const opToken = take();
    const op = opToken.kind === 'ident' ? opToken.text.toLowerCase() : '';
    if (!COMPARISON_OPS.has(op)) throw invalid();
    const literal = take();
    if (literal.kind === 'ident' && peek()?.kind === 'lparen') {
      // A function on the right-hand side (`CreatedDateTime gt now()`) is dropped like any other call.
      skipCall();
      ignored = true;
      return () => true;
    }
    return comparison(field, op, literal);
  };

  const parseExpr = (): RecordPredicate => {
    let left = parseTerm();
    for (;;) {
      const t = peek();
      if (!t || t.kind !== 'ident') return left;
      const op = t.text.toLowerCase();
      if (op !== 'and' && op !== 'or') throw invalid();
      take();
      const right = parseTerm();
      const l = left;
      left = op === 'and' ? (r) => l(r) && right(r) : (r) => l(r) || right(r);
    }
  };

  const predicate = parseExpr();
  if (pos !== tokens.length) throw invalid();
  return ignored ? { predicate: null, ignored: true } : { predicate, ignored: false };
}
