import safeRegex from 'safe-regex2';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadConfig,
  routingPolicySchema,
  type RoutingPolicyConfig,
} from '../../../src/config/index.js';
import { compilePolicy } from '../../../src/classify/index.js';
import { findSlowPatternInput, patternPumps } from '../../../src/classify/find-slow-pattern-input.js';
import { categories, gradebookRule } from './policy-fixtures.js';

function policyWithPattern(pattern: string, extra: Record<string, unknown> = {}): RoutingPolicyConfig {
  return routingPolicySchema.parse({
    threshold: 2,
    categories,
    rules: [
      gradebookRule,
      { id: 'admin-rule', category: 'hardware', weight: 2, any: { patterns: [pattern] } },
    ],
    ...extra,
  });
}

function compileError(config: RoutingPolicyConfig): ConfigError {
  try {
    compilePolicy(config, 'v', { file: 'config/routing.yaml' });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('the second pattern guard: adversarial inputs with a time budget', () => {
  // Each of these hangs a backtracking engine on input like "aaaa…a!" yet passes safe-regex2's star-height check.
  it.each(['(a|a)*$', '(\\w|\\d)+$', '\\w*\\w*\\w*\\w*$'])(
    'rejects %s at load with file, rule key and fix',
    (pattern) => {
      expect(safeRegex(pattern, { limit: 25 })).toBe(true);
      const err = compileError(policyWithPattern(pattern));
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]).toMatchObject({ file: 'config/routing.yaml', key: 'rules[1].any.patterns[0]' });
      expect(err.problems[0]!.problem).toMatch(
        /backtracks catastrophically: on \d+ characters built from ".+" one match took \d+ ms/,
      );
      expect(err.problems[0]!.fix).toMatch(/bound repetitions/);
    },
  );

  it('rejects a hanging e-mail noise pattern under its normalise key', () => {
    const err = compileError(policyWithPattern('\\bext\\b', { normalise: { dropLines: ['^(\\d|\\w)+$'] } }));
    expect(err.problems.map((p) => p.key)).toEqual(['normalise.dropLines[0]']);
    expect(err.problems[0]!.problem).toMatch(/e-mail noise pattern: the pattern backtracks/);
  });

  it('accepts ordinary admin patterns and every pattern of the shipped policy', () => {
    for (const pattern of [
      '\\bext\\.? ?\\d{4}\\b',
      '^room \\d{1,4}$',
      '\\bgrade\\b.{0,40}\\bchange',
      '(grade|grades) (change|fix)',
    ])
      expect(() => compilePolicy(policyWithPattern(pattern), 'v')).not.toThrow();
    const cfg = loadConfig({ dir: 'config', env: {} });
    expect(() => compilePolicy(cfg.routing, cfg.policyVersion)).not.toThrow();
  });

  it('builds pumps from the pattern: its literal characters, class representatives and literal runs', () => {
    const pumps = patternPumps('(ab|x)+\\d[^q]');
    expect(pumps).toEqual(expect.arrayContaining(['a', 'b', 'x', '1', '!', 'ab']));
  });

  it('measures with the injected clock and stops at the first run over budget', () => {
    let t = 0;
    const everyRunTakesOneSecond = (): number => (t += 500);
    expect(
      findSlowPatternInput(/room \d+/, 'room \\d+', {
        maxChars: 12000,
        shortBudgetMs: 100,
        longBudgetMs: 500,
        now: everyRunTakesOneSecond,
      }),
    ).toEqual({ pump: 'a', length: 2, ms: 500 });
    expect(
      findSlowPatternInput(/room \d+/, 'room \\d+', {
        maxChars: 12000,
        shortBudgetMs: 100,
        longBudgetMs: 500,
        now: () => 0,
      }),
    ).toBeNull();
  });
});

describe('the categories section lists all eight ids', () => {
  it('fails at load naming the missing id, file, key and fix', () => {
    const { website: _omitted, ...seven } = categories;
    const result = routingPolicySchema.safeParse({ threshold: 2, categories: seven, rules: [gradebookRule] });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(['categories.website']);
  });
});
