/**
 * The second guard against admin patterns that could hang the worker (issue 3, "safety of admin-written
 * patterns"). Node 20 has no re2, and safe-regex2 only measures star height: it passes overlapping
 * alternation such as `(a|a)*$` or `(\w|\d)+$` (exponential) and adjacent overlapping repeats such as
 * `\w*\w*\w*$` (polynomial). So each pattern is also *run*, when the policy is compiled, against
 * adversarial inputs built from its own characters — a "pump" repeated n times followed by a character
 * that makes the match fail, which is what forces a backtracking engine through every split of the
 * pump — and is rejected if one run takes longer than the budget.
 *
 * Lengths grow one character at a time up to 40 (an exponential blow-up of base b multiplies the time by
 * b per character, so the short budget is overshot at most b-fold, once), then by half up to the longest
 * text a pattern ever sees (normalise.maxFieldChars), which catches polynomial blow-ups (`\w*\w*\w*$`)
 * that only hurt on long text. A typical pattern costs a few milliseconds of compile time; an unanchored
 * `.*` can cost a few hundred; classification itself is untouched.
 *
 * This is the only clock in classify/: it runs once per policy load, never per ticket, and decisions
 * do not depend on it.
 */

export interface SlowPatternInput {
  /** The pump that was repeated (for the error message; policy characters only, never ticket text). */
  pump: string;
  /** Length of the input that exceeded the budget. */
  length: number;
  /** Milliseconds the single run took. */
  ms: number;
}

export interface SlowPatternOptions {
  /** The longest text the pattern can be run on (normalise.maxFieldChars). */
  maxChars: number;
  /**
   * A run on a short input (up to 40 characters) slower than this rejects the pattern: a pattern that is
   * linear or polynomial takes microseconds there, only an exponential one can be slow.
   */
  shortBudgetMs: number;
  /** A run on a long input (up to maxChars) slower than this rejects the pattern: its worst case per field. */
  longBudgetMs: number;
  /** Monotonic milliseconds (injectable for tests). */
  now?: () => number;
}

/** Representative characters of the escape classes (folded text is lower case ASCII in practice). */
const CLASS_REPRESENTATIVES: Readonly<Record<string, string>> = {
  d: '1',
  w: 'a',
  s: ' ',
  D: 'a',
  W: '!',
  S: 'a',
};
/** Characters that end an input so that the match must fail (and backtrack) after the pump. */
const FAILING_SUFFIXES = ['!', '\n'];
const METACHARACTERS = new Set(['(', ')', '|', '*', '+', '?', '{', '}', '^', '$', '.', '[', ']', '\\']);
const MAX_PUMPS = 40;
const STEP_PHASE_MAX = 40;

/** Pumps: every character the pattern can match literally or by class, and its literal runs ("ab" of `(ab|a)*`). */
export function patternPumps(source: string): string[] {
  const chars = new Set<string>(['a', '1', ' ']);
  const runs = new Set<string>();
  let run = '';
  const endRun = (): void => {
    if (run.length > 1) runs.add(run.slice(0, 20));
    run = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const e = source[i + 1];
      i++;
      if (e === undefined) break;
      const rep = CLASS_REPRESENTATIVES[e];
      if (rep !== undefined) {
        chars.add(rep);
        endRun();
      } else if (e === 'b' || e === 'B') {
        endRun();
      } else {
        // An escaped literal such as \. or \(; \n, \t and friends become their character.
        const lit = e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        chars.add(lit);
        run += lit;
      }
    } else if (c === '[') {
      endRun();
      let j = i + 1;
      if (source[j] === '^') {
        // A negated class matches what it does not list: punctuation is the usual case.
        chars.add('!');
        j++;
      }
      for (; j < source.length && source[j] !== ']'; j++) {
        const k = source[j]!;
        if (k === '\\' && j + 1 < source.length) {
          const e = source[++j]!;
          chars.add(CLASS_REPRESENTATIVES[e] ?? e);
        } else if (k !== '-') {
          chars.add(k);
        }
      }
      i = j;
    } else if (c === '.') {
      chars.add('a');
      endRun();
    } else if (METACHARACTERS.has(c)) {
      endRun();
    } else {
      chars.add(c);
      run += c;
    }
  }
  endRun();
  return [...chars, ...runs].slice(0, MAX_PUMPS);
}

/**
 * Runs `re` on adversarial inputs built from `source` (the pattern as written); returns the first input
 * that took longer than the budget twice in a row (one slow run can be a garbage-collection pause), or
 * null when every run stayed within it.
 */
export function findSlowPatternInput(
  re: RegExp,
  source: string,
  options: SlowPatternOptions,
): SlowPatternInput | null {
  const now = options.now ?? (() => performance.now());
  const probe = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
  const pumps = patternPumps(source);
  const timed = (input: string): number => {
    const start = now();
    probe.test(input);
    return now() - start;
  };
  const attempt = (pump: string, suffix: string, n: number, budget: number): SlowPatternInput | null => {
    const input = pump.repeat(Math.max(1, Math.floor((n - suffix.length) / pump.length))) + suffix;
    const ms = timed(input);
    if (ms <= budget) return null;
    const again = timed(input);
    return again <= budget ? null : { pump, length: input.length, ms: Math.min(ms, again) };
  };
  // Exponential blow-ups show on short inputs: one character at a time, every pump, both suffixes.
  const short = Math.min(STEP_PHASE_MAX, options.maxChars);
  for (const pump of pumps) {
    for (const suffix of FAILING_SUFFIXES) {
      for (let n = 1; n <= short; n++) {
        const slow = attempt(pump, suffix, n, options.shortBudgetMs);
        if (slow !== null) return slow;
      }
    }
  }
  // Polynomial ones only on long inputs: grow by half up to maxChars (a pump stops at its first slow run).
  for (const pump of pumps) {
    for (let n = Math.ceil(short * 1.5); ; n = Math.min(options.maxChars, Math.ceil(n * 1.5))) {
      if (n <= short) break;
      const slow = attempt(pump, FAILING_SUFFIXES[0]!, n, options.longBudgetMs);
      if (slow !== null) return slow;
      if (n >= options.maxChars) break;
    }
  }
  return null;
}
