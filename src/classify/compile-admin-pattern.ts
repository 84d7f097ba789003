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
  if (options.ignoreCase === true) return result.pattern;
  let gated = GATED.get(source);
  if (gated === undefined) {
    gated = startGated(source) ?? result.pattern;
    if (GATED.size >= CACHE_MAX_ENTRIES) GATED.clear();
    GATED.set(source, gated);
  }
  return gated;
}

/*
 * Anchored alternatives, run anchored. The normaliser tests every line of a body against alternations
 * of patterns (normalise.cutAt, forwardAt, greetings, ...), most of them anchored at the start of the
 * line ("^on .{1,120}wrote:?$"). RE2 searches an alternation along the whole line all the same, from
 * every position, a microsecond or so a line, although an anchored alternative can only match from the
 * start. So the alternation is split: its anchored alternatives run as one anchored match, `(?:A|B)`
 * followed by `(?s:.*)` against the whole line (RE2's testExact, which gives up as soon as no
 * alternative can go on), and the others, if any, as an ordinary search. Before the anchored match, a
 * start gate: the characters an anchored alternative can start with, when they are known from the
 * pattern text; a line starting with another character skips it. The answer is the same as RE2's on
 * the whole alternation by construction:
 * - the alternation is split at its top-level "|" only when the split is certain (no inline flags,
 *   which could make "^" mean "start of a line" or fold case; no \Q quoting; no POSIX classes);
 * - an alternative is anchored when it starts with "^" (start of text, the only meaning it has without
 *   the m flag), or is a group of anchored alternatives; every other one is searched as before;
 * - the gate's characters come from atoms whose first characters are plain ASCII: literals, escaped
 *   punctuation, \d, simple classes and groups of such alternatives, with quantifiers; anything else
 *   (".", other escapes, empty-width assertions, an alternative that can match the empty string)
 *   leaves the alternation without a gate.
 * Only for case-sensitive patterns (the normaliser's); test/unit/classify/pattern-safety.test.ts
 * compares the answers with plain RE2's.
 */
const GATED = new Map<string, AdminPattern>();

/** The split pattern of `source` (see above), or null when no alternative is anchored for certain. */
function startGated(source: string): AdminPattern | null {
  if (/\(\?(?!:)/.test(source) || source.includes('\\Q') || source.includes('[:')) return null;
  const alternatives = splitAlternatives(source, 0, source.length);
  if (alternatives === null) return null;
  let gate: Uint8Array | null = new Uint8Array(128);
  const anchored: string[] = [];
  const rest: string[] = [];
  for (const alternative of alternatives) {
    if (!isAnchored(alternative)) {
      rest.push(alternative);
      continue;
    }
    anchored.push(alternative);
    const firsts = anchoredFirsts(alternative);
    if (firsts === null) gate = null;
    else if (gate !== null) for (let c = 0; c < 128; c++) gate[c] = gate[c]! | firsts[c]!;
  }
  if (anchored.length === 0) return null;
  let start: RE2JS;
  let others: AdminPattern | null = null;
  try {
    start = RE2JS.compile(`(?:${anchored.join('|')})(?s:.*)`);
    if (rest.length > 0) others = RE2JS.compile(rest.join('|'));
  } catch {
    return null;
  }
  const gateOrAll = gate;
  const needles = rest.length > 0 ? literalGate(rest) : null;
  return {
    test(text: string): boolean {
      const c = text.charCodeAt(0);
      if ((gateOrAll === null || (c < 128 && gateOrAll[c] === 1)) && start.testExact(text)) return true;
      if (others === null) return false;
      if (needles !== null && !containsAny(text, needles)) return false;
      return others.test(text);
    },
  };
}

/** True when `text` contains one of `needles`. */
function containsAny(text: string, needles: readonly string[]): boolean {
  for (const needle of needles) if (text.includes(needle)) return true;
  return false;
}

/**
 * The literal gate of unanchored alternatives: strings one of which every match of any of them
 * contains (so a line with none of them cannot match, and RE2 is not asked); null when some
 * alternative has no such string of at least MIN_NEEDLE characters. The confidentiality footers'
 * patterns ("intended (solely )?for the ...", "... (confidential|privileged|protected)") are searched
 * along every line of a body, which costs RE2 about half a microsecond a line; String.includes on a
 * few words costs a tenth of that.
 */
function literalGate(alternatives: readonly string[]): string[] | null {
  const needles: string[] = [];
  for (const alternative of alternatives) {
    const required = sequenceLiterals(alternative, 0, alternative.length);
    if (required === null) return null;
    for (const needle of required) if (!needles.includes(needle)) needles.push(needle);
  }
  return needles;
}

/** A needle shorter than this is found on most lines: the gate would cost more than it saves. */
const MIN_NEEDLE = 3;

/** Characters that stand for themselves in RE2 syntax outside a class (no escape needed). */
function isPlainLiteral(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 32 && code < 127 && !'\\.^$|()[]{}?*+'.includes(c);
}

/**
 * Strings one of which every match of `s[from, to)` (a sequence of atoms) contains: a run of plain
 * literal characters that no quantifier touches, or the union of such sets over the alternatives of a
 * group; the set whose shortest member is longest wins; null when no set has strings of at least
 * MIN_NEEDLE characters or the sequence is not read for certain (the caller then runs RE2 on every
 * line, as before). Only what was read for certain counts: reading stops at anything unfamiliar, which
 * can only lose needles, never give a wrong one.
 */
function sequenceLiterals(s: string, from: number, to: number): string[] | null {
  let best: string[] | null = null;
  let bestMin = 0;
  let run = '';
  const offer = (set: string[] | null): void => {
    if (set === null || set.length === 0) return;
    const min = Math.min(...set.map((x) => x.length));
    if (min >= MIN_NEEDLE && min > bestMin) {
      best = set;
      bestMin = min;
    }
  };
  const endRun = (): void => {
    offer(run === '' ? null : [run]);
    run = '';
  };
  let i = from;
  while (i < to) {
    const c = s[i]!;
    let end: number;
    let literal: string | null = null;
    let group: string[] | null = null;
    if (c === '(') {
      const close = groupEnd(s, i, to);
      if (close < 0) break;
      end = close + 1;
      const inner = s.startsWith('(?:', i) ? i + 3 : s[i + 1] === '?' ? -1 : i + 1;
      const alternatives = inner < 0 ? null : splitAlternatives(s, inner, close);
      if (alternatives !== null) {
        group = [];
        for (const a of alternatives) {
          const required = sequenceLiterals(a, 0, a.length);
          if (required === null) {
            group = null;
            break;
          }
          group.push(...required);
        }
      }
    } else if (c === '[') {
      const close = classEnd(s, i, to);
      if (close < 0) break;
      end = close + 1;
    } else if (c === '\\') {
      const e = s[i + 1];
      if (e === undefined) break;
      if (isPunctuation(e)) {
        literal = e;
        end = i + 2;
      } else if ('bBdDsSwW'.includes(e)) {
        end = i + 2;
      } else {
        break; // \x{...}, \p{...}, octal and the rest: not read further
      }
    } else if (c === '.' || c === '^' || c === '$') {
      end = i + 1;
    } else if (isPlainLiteral(c)) {
      literal = c;
      end = i + 1;
    } else {
      break;
    }
    // A quantified atom is not required as it is: it ends the run.
    const q = s[end];
    let quantified = false;
    if (q === '?' || q === '*' || q === '+') {
      quantified = true;
      end++;
    } else if (q === '{') {
      const m = QUANTIFIER.exec(s.slice(end, to));
      if (m === null) break;
      quantified = true;
      end += m[0].length;
    }
    if (quantified && s[end] === '?') end++; // lazy
    if (quantified || literal === null) endRun();
    if (!quantified && literal !== null) run += literal;
    if (!quantified && group !== null) offer(group);
    i = end;
  }
  endRun();
  return best;
}

/** An alternative that can only match from the start of the text: "^..." or "(?:^...|^...)". */
function isAnchored(alternative: string): boolean {
  if (alternative.startsWith('^')) return true;
  if (
    alternative.startsWith('(?:') &&
    groupEnd(alternative, 0, alternative.length) === alternative.length - 1
  ) {
    const inner = splitAlternatives(alternative, 3, alternative.length - 1);
    return inner !== null && inner.every(isAnchored);
  }
  return false;
}

/** `s[from, to)` split at its top-level "|" (outside groups, classes and escapes); null when unsure. */
function splitAlternatives(s: string, from: number, to: number): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      const end = classEnd(s, i, to);
      if (end < 0) return null;
      i = end;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth < 0) return null;
    } else if (c === '|' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return null;
  out.push(s.slice(start, to));
  return out;
}

/** The index of the "]" that closes the class opened at `open`; -1 when unsure. */
function classEnd(s: string, open: number, to: number): number {
  let j = open + 1;
  if (s[j] === '^') j++;
  if (s[j] === ']') j++; // "[]...]": a "]" first in a class is a literal
  for (; j < to; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '[') return -1;
    else if (s[j] === ']') return j;
  }
  return -1;
}

/** The index of the ")" that closes the group opened at `open`; -1 when unsure. */
function groupEnd(s: string, open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      i = classEnd(s, i, to);
      if (i < 0) return -1;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** First characters of an alternative anchored at the start ("^..." or "(?:^...|^...)"), or null. */
function anchoredFirsts(alternative: string): Uint8Array | null {
  if (alternative.startsWith('^')) return sequenceFirsts(alternative, 1, alternative.length);
  if (
    alternative.startsWith('(?:') &&
    groupEnd(alternative, 0, alternative.length) === alternative.length - 1
  ) {
    const inner = splitAlternatives(alternative, 3, alternative.length - 1);
    if (inner === null) return null;
    const union = new Uint8Array(128);
    for (const a of inner) {
      const firsts = anchoredFirsts(a);
      if (firsts === null) return null;
      for (let c = 0; c < 128; c++) union[c] = union[c]! | firsts[c]!;
    }
    return union;
  }
  return null;
}

const QUANTIFIER = /^\{(\d+)(?:,\d*)?\}/;

/**
 * The characters a match of `s[from, to)` (a sequence of atoms) can start with, or null when unsure or
 * when the sequence can match the empty string.
 */
function sequenceFirsts(s: string, from: number, to: number): Uint8Array | null {
  const set = new Uint8Array(128);
  let i = from;
  while (i < to) {
    const atom = atomFirsts(s, i, to);
    if (atom === null) return null;
    let j = atom.end;
    let optional = false;
    const q = s[j];
    if (q === '?' || q === '*') {
      optional = true;
      j++;
    } else if (q === '+') {
      j++;
    } else if (q === '{') {
      const m = QUANTIFIER.exec(s.slice(j, to));
      if (m === null) return null;
      optional = Number(m[1]) === 0;
      j += m[0].length;
    }
    if (j < to && j > atom.end && s[j] === '?') j++; // lazy
    if (j < to && '?*+{'.includes(s[j]!)) return null;
    for (let c = 0; c < 128; c++) set[c] = set[c]! | atom.firsts[c]!;
    if (!optional) return set;
    i = j;
  }
  return null;
}

const DIGITS: readonly number[] = Array.from({ length: 10 }, (_, k) => 48 + k);

/** A literal ASCII character that is not a letter or digit (what "\\" + it means literally). */
function isPunctuation(c: string | undefined): c is string {
  return c !== undefined && /^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/.test(c);
}

/** One atom at `i`: its first characters and where it ends; null when unsure. */
function atomFirsts(s: string, i: number, to: number): { firsts: Uint8Array; end: number } | null {
  const firsts = new Uint8Array(128);
  const c = s[i]!;
  if (c === '(') {
    const end = groupEnd(s, i, to);
    if (end < 0) return null;
    let inner = i + 1;
    if (s.startsWith('(?:', i)) inner = i + 3;
    else if (s[i + 1] === '?') return null;
    const alternatives = splitAlternatives(s, inner, end);
    if (alternatives === null) return null;
    for (const a of alternatives) {
      const f = sequenceFirsts(a, 0, a.length);
      if (f === null) return null;
      for (let k = 0; k < 128; k++) firsts[k] = firsts[k]! | f[k]!;
    }
    return { firsts, end: end + 1 };
  }
  if (c === '[') {
    const end = classEnd(s, i, to);
    if (end < 0 || s[i + 1] === '^') return null;
    let j = i + 1;
    while (j < end) {
      const lo = classMember(s, j, end);
      if (lo === null) return null;
      j = lo.end;
      if (s[j] === '-' && j + 1 < end && lo.code >= 0) {
        const hi = classMember(s, j + 1, end);
        if (hi === null || hi.code < lo.code) return null;
        for (let k = lo.code; k <= hi.code; k++) firsts[k] = 1;
        j = hi.end;
      } else if (lo.code >= 0) {
        firsts[lo.code] = 1;
      } else {
        for (const d of DIGITS) firsts[d] = 1;
      }
    }
    return { firsts, end: end + 1 };
  }
  if (c === '\\') {
    const e = s[i + 1];
    if (e === 'd') {
      for (const d of DIGITS) firsts[d] = 1;
      return { firsts, end: i + 2 };
    }
    if (!isPunctuation(e)) return null;
    firsts[e.charCodeAt(0)] = 1;
    return { firsts, end: i + 2 };
  }
  if ('.^$|)?*+{'.includes(c) || c.charCodeAt(0) >= 128 || c.charCodeAt(0) < 32) return null;
  firsts[c.charCodeAt(0)] = 1;
  return { firsts, end: i + 1 };
}

/** One class member at `j`: an ASCII character (code), or \\d (code -1); null when unsure. */
function classMember(s: string, j: number, end: number): { code: number; end: number } | null {
  const c = s[j]!;
  if (c === '\\') {
    const e = s[j + 1];
    if (j + 1 >= end) return null;
    if (e === 'd') return { code: -1, end: j + 2 };
    if (!isPunctuation(e)) return null;
    return { code: e.charCodeAt(0), end: j + 2 };
  }
  const code = c.charCodeAt(0);
  if (code >= 128 || code < 32) return null;
  return { code, end: j + 1 };
}
