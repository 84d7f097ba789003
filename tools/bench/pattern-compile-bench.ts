import { compileAdminPattern, compilePolicy } from '../../src/classify/index.js';
import { loadConfig, ruleSchema, type RoutingPolicyConfig } from '../../src/config/index.js';
import { projectConfigDir } from '../devtools/index.js';

/**
 * Patterns that hang a backtracking engine (issue 9 and the classic ReDoS shapes) plus two that are
 * costly to compile. In RE2 they all compile, and none is slow to match.
 */
export const ADVERSARIAL_PATTERNS: readonly string[] = [
  'ref:\\d*\\d*\\d*\\d*z',
  'error:(\\w|\\d)+$',
  'x(a|a)*$',
  '(a+)+$',
  '(a|aa)+$',
  '(\\w+\\s?)+$',
  '\\w*\\w*\\w*\\w*$',
  '(.*a){12}',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(\\d+|\\d+\\.\\d+)+!',
  '(\\p{L}{1,15} ){1,30}x',
  '(?:.{1,49}){10}!',
];

export interface Timings {
  /** The first run in the process (start-up: re2js not yet optimised by the JIT). */
  coldMs: number;
  /** Median and slowest of the runs that follow (what a reload blocks the event loop for). */
  reloadMedianMs: number;
  reloadMaxMs: number;
}

export interface PatternCompileBenchResult {
  /** Patterns compiled: the shipped policy's plus the adversarial ones. */
  patterns: number;
  /** Every pattern through compileAdminPattern uncached, plus the three combined e-mail noise patterns. */
  patternsOnly: Timings;
  /** The whole compilePolicy (synonyms, word index, checks); after the first, patterns come from the cache. */
  compilePolicy: Timings;
}

/** The shipped policy with one extra rule per adversarial pattern. */
export function policyWithAdversarialPatterns(routing: RoutingPolicyConfig): RoutingPolicyConfig {
  return {
    ...routing,
    rules: [
      ...routing.rules,
      ...ADVERSARIAL_PATTERNS.map((pattern, i) =>
        ruleSchema.parse({
          id: `bench-adversarial-${i}`,
          category: 'hardware',
          any: { patterns: [pattern] },
        }),
      ),
    ],
  };
}

function timings(run: () => void, reloads: number): Timings {
  const time = (): number => {
    const start = performance.now();
    run();
    return performance.now() - start;
  };
  const coldMs = time();
  const rest = Array.from({ length: Math.max(reloads, 1) }, time).sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    coldMs: round(coldMs),
    reloadMedianMs: round(rest[Math.floor(rest.length / 2)]!),
    reloadMaxMs: round(rest[rest.length - 1]!),
  };
}

/**
 * Compiles the shipped policy's patterns plus 12 adversarial ones `reloads + 1` times, first alone and
 * then through compilePolicy. Run it in a fresh process: the first (cold) figures are start-up's.
 */
export function runPatternCompileBench(options: { reloads?: number } = {}): PatternCompileBenchResult {
  const reloads = options.reloads ?? 20;
  const cfg = loadConfig({ dir: projectConfigDir(), env: {} });
  const routing = policyWithAdversarialPatterns(cfg.routing);
  const n = routing.normalise;
  const noise = [n.cutAt, n.dropLines, n.forwardAt];
  const rulePatterns = routing.rules.flatMap((r) => (r.any && !Array.isArray(r.any) ? r.any.patterns : []));
  // Uncached: what a reload costs when every pattern changed (an unchanged pattern comes from the cache).
  const patternsOnly = timings(() => {
    for (const list of noise) {
      for (const p of list) compileAdminPattern(p, { cache: false });
      if (list.length > 0)
        compileAdminPattern(list.map((p) => `(?:${p})`).join('|'), {
          maxProgramSize: Infinity,
          cache: false,
        });
    }
    for (const p of rulePatterns) compileAdminPattern(p, { ignoreCase: true, cache: false });
  }, reloads);
  const whole = timings(() => compilePolicy(routing, cfg.policyVersion, cfg.routingSource), reloads);
  return {
    patterns: noise.reduce((sum, l) => sum + l.length, 0) + rulePatterns.length,
    patternsOnly,
    compilePolicy: whole,
  };
}
