import { RE2JS } from 're2js';

/**
 * Every regular expression that comes from configuration (rule patterns, normalise.forwardAt / cutAt /
 * dropLines) is compiled here, in RE2 (re2js, a pure JavaScript port), never in V8's backtracking
 * RegExp. RE2 matches in time linear in the input whatever the pattern, so no pattern an admin can write
 * can hang the worker (issue 9: `ref:\d*\d*\d*\d*z` on "ref:" + 900 digits took a minute in RegExp).
 * The price is the syntax that needs backtracking: lookaround, backreferences, atomic groups and
 * possessive quantifiers are refused with a rewrite hint (see docs/policy.md, "Pattern syntax").
 */

/** A compiled admin pattern: an unanchored search, like RegExp.prototype.test. */
export interface AdminPattern {
  test(text: string): boolean;
}

export type AdminPatternResult =
  { ok: true; pattern: AdminPattern } | { ok: false; problem: string; fix: string };

/**
 * RE2 is linear in the input, but its constant (and its compile time) grows with the size of the
 * compiled program, which counted repetitions multiply: "[a-z]{1,1000}" is 2,000 instructions and takes
 * tens of milliseconds to compile. The largest shipped pattern is about 350; this cap keeps one pattern's
 * compile within a few milliseconds.
 */
export const MAX_PROGRAM_SIZE = 1000;

/**
 * Compiled patterns by flags and source, so a reload pays only for the patterns it changed (a compiled
 * RE2JS is immutable and can be shared by the old and the new policy). Bounded: cleared when full.
 */
const CACHE = new Map<string, AdminPatternResult>();
const CACHE_MAX_ENTRIES = 512;

const SYNTAX_HINT = 'RE2 syntax: see docs/policy.md, "Pattern syntax"';

interface Unsupported {
  construct: string;
  fix: string;
}

const LOOKAHEAD: Unsupported = {
  construct: 'lookahead',
  fix: 'rewrite without lookahead: match the following text itself ("ext(?= \\d)" -> "ext \\d"), or move text that must not follow into the rule\'s "none" list',
};
const LOOKBEHIND: Unsupported = {
  construct: 'lookbehind',
  fix: 'rewrite without lookbehind: make the preceding text part of the pattern ("(?<=room )\\d+" -> "room \\d+"), or move text that must not precede into the rule\'s "none" list',
};
const ATOMIC: Unsupported = {
  construct: 'an atomic group',
  fix: 'use a plain group ("(?>a+)b" -> "(?:a+)b"): RE2 never backtracks, so atomic groups are not needed',
};
const POSSESSIVE: Unsupported = {
  construct: 'a possessive quantifier',
  fix: 'drop the extra "+" ("\\d++" -> "\\d+"): RE2 never backtracks, so possessive quantifiers are not needed',
};
const BACKREFERENCE: Unsupported = {
  construct: 'a backreference',
  fix: 'rewrite without a backreference: spell the repeated text out ("(ab|cd)-\\1" -> "ab-ab|cd-cd")',
};

/**
 * The first construct of `source` that needs a backtracking engine, found by a scan that skips escapes
 * and character classes (RE2's own parse error names lookbehind "invalid named capture", so it is
 * recognised here first). Possessive quantifiers are recognised from RE2's error (see below).
 */
function findUnsupported(source: string): { unsupported: Unsupported; at: string } | null {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const e = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(e)) return { unsupported: BACKREFERENCE, at: `\\${e}` };
      if (!inClass && e === 'k' && source[i + 2] === '<') return { unsupported: BACKREFERENCE, at: '\\k<' };
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // "[]…]" and "[^]…]": a "]" right after the opening is a literal in RE2.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
    } else if (c === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!'))
        return { unsupported: LOOKAHEAD, at: `(?${rest[0]!}` };
      if (rest === '<=' || rest === '<!') return { unsupported: LOOKBEHIND, at: `(?${rest}` };
      if (rest.startsWith('>')) return { unsupported: ATOMIC, at: '(?>' };
    }
  }
  return null;
}

/**
 * re2js reports parse errors as "error parsing regexp: <what>: `<where>`"; CASE_INSENSITIVE is applied as
 * a "(?i)" prefix, which <where> then shows although the admin did not write it.
 */
function re2ErrorText(err: unknown, ignoreCase: boolean): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, '');
  return ignoreCase ? message.replace('`(?i)', '`') : message;
}

/**
 * Compiles one admin pattern in RE2. `ignoreCase` is RE2's case folding (the same as the "i" flag the
 * RegExp engine used; an inline "(?i)" also works). Never throws. `cache: false` compiles afresh (for
 * the benchmark).
 */
export function compileAdminPattern(
  source: string,
  options: { ignoreCase?: boolean; maxProgramSize?: number; cache?: boolean } = {},
): AdminPatternResult {
  const maxSize = options.maxProgramSize ?? MAX_PROGRAM_SIZE;
  if (options.cache === false) return compileUncached(source, options.ignoreCase === true, maxSize);
  const key = `${options.ignoreCase === true ? 'i' : '-'}${maxSize}\u0000${source}`;
  let result = CACHE.get(key);
  if (result === undefined) {
    result = compileUncached(source, options.ignoreCase === true, maxSize);
    if (CACHE.size >= CACHE_MAX_ENTRIES) CACHE.clear();
    CACHE.set(key, result);
  }
  return result;
}

function compileUncached(source: string, ignoreCase: boolean, maxSize: number): AdminPatternResult {
  const found = findUnsupported(source);
  if (found !== null) {
    return {
      ok: false,
      problem: `"${source}" uses ${found.unsupported.construct} ("${found.at}"), which the linear-time pattern engine (RE2) does not support`,
      fix: `${found.unsupported.fix}; ${SYNTAX_HINT}`,
    };
  }
  try {
    const pattern = RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    const size = pattern.programSize();
    if (size > maxSize) {
      return {
        ok: false,
        problem: `"${source}" compiles to ${size} RE2 instructions (at most ${maxSize}): its counted repetitions are too large`,
        fix: `use smaller repetition counts (".{0,40}" rather than ".{0,1000}"), or split it into several patterns; ${SYNTAX_HINT}`,
      };
    }
    return { ok: true, pattern };
  } catch (err) {
    const what = re2ErrorText(err, ignoreCase);
    const nested = /^invalid nested repetition operator: `(.+)`$/.exec(what);
    if (nested !== null && nested[1]!.endsWith('+')) {
      return {
        ok: false,
        problem: `"${source}" uses ${POSSESSIVE.construct} ("${nested[1]!}"), which the linear-time pattern engine (RE2) does not support`,
        fix: `${POSSESSIVE.fix}; ${SYNTAX_HINT}`,
      };
    }
    return {
      ok: false,
      problem: `"${source}" is not a valid RE2 regular expression (${what})`,
      fix: `correct the pattern syntax: escape "." "(" "[" with a backslash, write \\x{e9} rather than \\u00e9; ${SYNTAX_HINT}`,
    };
  }
}

/**
 * Compiles an alternation of patterns that compilePolicy has already accepted one by one (so without the
 * size cap, which applies to each); throws otherwise.
 */
export function compileCheckedPattern(source: string, options: { ignoreCase?: boolean } = {}): AdminPattern {
  const result = compileAdminPattern(source, { ...options, maxProgramSize: Number.POSITIVE_INFINITY });
  if (!result.ok) throw new Error(`${result.problem}. Fix: ${result.fix}`);
  return result.pattern;
}
