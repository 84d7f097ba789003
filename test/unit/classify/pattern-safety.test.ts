import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  formatProblems,
  loadConfig,
  routingPolicySchema,
  type RoutingPolicyConfig,
} from '../../../src/config/index.js';
import {
  checkPolicyCompiles,
  classifyTicket,
  compileAdminPattern,
  compileCheckedPattern,
  compilePolicy,
  createTextNormaliser,
  foldText,
  type AdminPattern,
  type CompiledPolicy,
} from '../../../src/classify/index.js';
import { readJsonl } from '../../support/jsonl.js';
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

function compileError(compile: () => unknown): ConfigError {
  try {
    compile();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** The compiled (RE2) form of the policy's only Subject pattern: what classifyTicket runs. */
function subjectPattern(policy: CompiledPolicy): { test(text: string): boolean } {
  const field = policy.fields.find((f) => f.name === 'Subject')!;
  expect(field.patterns).toHaveLength(1);
  return field.patterns[0]!.re;
}

/** A copy of the shipped config whose routing.yaml has one more rule, first in the list. */
function configWithRule(ruleYaml: string): { dir: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sbt-re2-'));
  copyFileSync('config/service.yaml', join(dir, 'service.yaml'));
  const text = readFileSync('config/routing.yaml', 'utf8').replace('rules:\n', () => `rules:\n${ruleYaml}`);
  writeFileSync(join(dir, 'routing.yaml'), text);
  copyFileSync('config/model.json', join(dir, 'model.json'));
  return { dir, text };
}

/** 1-based number of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

const ADVERSARIAL = `ref:${'1'.repeat(100_000)}`;

describe('admin patterns run in RE2 (linear time)', () => {
  // Each of these passed the old guards and then hung the RegExp engine on "ref:" + 900 digits.
  it.each([
    ['ref:\\d*\\d*\\d*\\d*z', false, `${ADVERSARIAL}z`],
    ['error:(\\w|\\d)+$', false, `error:${'1'.repeat(100_000)}`],
    ['x(a|a)*$', false, `x${'a'.repeat(100_000)}`],
  ])('compiles %s and matches 100,000 adversarial characters', (pattern, onAdversarial, matching) => {
    const re = subjectPattern(compilePolicy(policyWithPattern(pattern), 'v'));
    expect(re.test(ADVERSARIAL)).toBe(onAdversarial);
    expect(re.test(`${ADVERSARIAL}!`)).toBe(false);
    expect(re.test(matching)).toBe(true);
  });

  it('classifies a ticket whose Subject is "ref:" + 900 digits with the bypass pattern in the policy', () => {
    const policy = compilePolicy(policyWithPattern('ref:\\d*\\d*\\d*\\d*z'), 'v');
    const digits = '1'.repeat(900);
    expect(classifyTicket({ Subject: `ref:${digits}` }, policy).category).toBe('unclassified');
    expect(classifyTicket({ Subject: `REF:${digits}Z` }, policy)).toMatchObject({
      category: 'hardware',
      ruleId: 'admin-rule',
    });
  });

  it('refuses a pattern whose counted repetitions make a program over the size cap', () => {
    const err = compileError(() => compilePolicy(policyWithPattern('[a-z]{1,1000}'), 'v'));
    expect(err.problems.map((p) => p.problem)).toEqual([
      'rule "admin-rule" pattern: "[a-z]{1,1000}" compiles to 2001 RE2 instructions (at most 1000): its counted repetitions are too large',
    ]);
    expect(err.problems[0]!.fix).toMatch(/^use smaller repetition counts/);
    expect(() => compilePolicy(policyWithPattern('[a-z]{1,100}'), 'v')).not.toThrow();
  });

  it('reuses a compiled pattern on the next compile (a reload pays only for changed patterns), per flag set', () => {
    const first = subjectPattern(compilePolicy(policyWithPattern('^Room \\d+'), 'v1'));
    const again = subjectPattern(compilePolicy(policyWithPattern('^Room \\d+'), 'v2'));
    expect(again).toBe(first);
    expect(first.test('room 12')).toBe(true);
    // The same text as a noise pattern is compiled as written (not case-insensitive): a separate entry.
    const noise = createTextNormaliser(
      policyWithPattern('x', { normalise: { cutAt: ['^Room \\d+'] } }).normalise,
    );
    expect(noise.normalise('keep\nroom 12\nand this', true).folded).toBe('keep\nroom 12\nand this');
  });

  it('keeps case-insensitivity, accent folding, unicode classes and inline flags', () => {
    const test = (pattern: string, text: string): boolean =>
      subjectPattern(compilePolicy(policyWithPattern(pattern), 'v')).test(text);
    expect(test('ROOM \\d{1,4}\\b', 'printer in room 12')).toBe(true);
    expect(test('calificación \\d', 'calificacion 3')).toBe(true);
    expect(test('^\\p{L}+ \\d+$', 'sala 12')).toBe(true);
    expect(test('^\\p{L}+ \\d+$', 'sala-12')).toBe(false);
    expect(test('(?i)smart ?board', 'smartboard is dark')).toBe(true);
    expect(test('\\bext\\b', 'next')).toBe(false);
  });
});

describe('syntax RE2 lacks is refused at load with rule id, line, pattern and fix', () => {
  it.each([
    ['ext(?=\\d)', 'lookahead', '(?=', /^rewrite without lookahead/],
    ['ext(?!ension)', 'lookahead', '(?!', /^rewrite without lookahead/],
    ['(?<=room )\\d+', 'lookbehind', '(?<=', /^rewrite without lookbehind/],
    ['(?<!no )printer', 'lookbehind', '(?<!', /^rewrite without lookbehind/],
    ['(ab|cd)-\\1', 'a backreference', '\\1', /^rewrite without a backreference/],
    ['(?<w>ab)-\\k<w>', 'a backreference', '\\k<', /^rewrite without a backreference/],
    ['(?>a+)b', 'an atomic group', '(?>', /^use a plain group/],
    ['room \\d++', 'a possessive quantifier', '++', /^drop the extra "\+"/],
  ])('%s (%s)', (pattern, construct, at, fix) => {
    const quoted = `'${pattern.replace(/'/g, "''")}'`;
    const { dir, text } = configWithRule(
      `  - id: admin-${construct.replace(/\W/g, '')}\n    category: hardware\n    any:\n      patterns:\n        - ${quoted}\n`,
    );
    // config check, start-up and reload all run loadConfig with the policy compiler as its check.
    const err = compileError(() => loadConfig({ dir, env: {}, checkPolicy: checkPolicyCompiles }));
    expect(err.problems).toHaveLength(1);
    const expectedLine = lineOf(text, `- ${quoted}`);
    expect(err.problems[0]).toEqual({
      file: join(dir, 'routing.yaml'),
      key: 'rules[0].any.patterns[0]',
      line: expectedLine,
      ruleId: `admin-${construct.replace(/\W/g, '')}`,
      problem: `rule "admin-${construct.replace(/\W/g, '')}" pattern: "${pattern}" uses ${construct} ("${at}"), which the linear-time pattern engine (RE2) does not support`,
      fix: expect.stringMatching(fix) as unknown as string,
    });
    expect(err.problems[0]!.fix).toMatch(/RE2 syntax: see docs\/policy\.md, "Pattern syntax"$/);
    expect(err.message).toContain(
      `${join(dir, 'routing.yaml')}:${expectedLine} rules[0].any.patterns[0] (id admin-${construct.replace(/\W/g, '')}): rule "admin-`,
    );
  });

  it('gives the line of the rule when the pattern sits in a one-line list', () => {
    const { dir, text } = configWithRule(
      "  - id: flow\n    category: hardware\n    any: { terms: [x], patterns: ['a(?=b)'] }\n",
    );
    const err = compileError(() => loadConfig({ dir, env: {}, checkPolicy: checkPolicyCompiles }));
    expect(err.problems[0]).toMatchObject({
      key: 'rules[0].any.patterns[0]',
      line: lineOf(text, "patterns: ['a(?=b)']"),
    });
  });

  it('prints file:line', () => {
    expect(
      formatProblems([{ file: 'routing.yaml', line: 123, key: 'rules[0]', problem: 'p', fix: 'f' }]),
    ).toBe('Invalid configuration (1 problem):\n  routing.yaml:123 rules[0]: p. Fix: f');
  });
});

describe('e-mail noise patterns (normalise.cutAt, dropLines, forwardAt) use the same engine', () => {
  it('refuses lookahead in cutAt with its key and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-re2-'));
    copyFileSync('config/service.yaml', join(dir, 'service.yaml'));
    const text = readFileSync('config/routing.yaml', 'utf8').replace(
      '  cutAt:\n',
      () => "  cutAt:\n    - '^on (?=.*wrote)'\n",
    );
    writeFileSync(join(dir, 'routing.yaml'), text);
    copyFileSync('config/model.json', join(dir, 'model.json'));
    const err = compileError(() => loadConfig({ dir, env: {}, checkPolicy: checkPolicyCompiles }));
    const normalise = routingPolicySchema.parse({
      threshold: 2,
      categories,
      normalise: { cutAt: ['^on (?=.*wrote)'] },
    }).normalise;
    expect(err.problems).toEqual([
      expect.objectContaining({
        key: 'normalise.cutAt[0]',
        line: lineOf(text, "- '^on (?=.*wrote)'"),
        problem:
          'e-mail noise pattern: "^on (?=.*wrote)" uses lookahead ("(?="), which the linear-time pattern engine (RE2) does not support',
      }),
    ]);
    // The normaliser compiles with RE2 as well: V8's RegExp would have accepted this pattern.
    expect(() => createTextNormaliser(normalise)).toThrow(/uses lookahead/);
  });

  it('runs a cutAt pattern that hangs a backtracking engine on a 10,000-digit line', () => {
    const policy = compilePolicy(
      policyWithPattern('\\bext\\b', { normalise: { cutAt: ['^ref:(\\w|\\d)+$'] } }),
      'v',
    );
    const digits = '1'.repeat(10_000);
    const cut = policy.normaliser.normalise(`printer jammed\nref:${digits}\nsecret tail`, true);
    expect(cut.folded).toBe('printer jammed');
    const kept = policy.normaliser.normalise(`printer jammed\nref:${digits}!\nmore`, true);
    expect(kept.folded).toBe(`printer jammed\nref:${digits}!\nmore`);
  });

  it('accepts every pattern of the shipped policy', () => {
    const cfg = loadConfig({ dir: 'config', env: {} });
    const policy = compilePolicy(cfg.routing, cfg.policyVersion, cfg.routingSource);
    expect(policy.rules.length).toBe(cfg.routing.rules.filter((r) => r.enabled).length);
  });
});

describe('the start gate of noise-pattern alternations gives exactly the plain RE2 answers', () => {
  const plainOf = (source: string): AdminPattern => {
    const r = compileAdminPattern(source, { maxProgramSize: Number.POSITIVE_INFINITY });
    if (!r.ok) throw new Error(r.problem);
    return r.pattern;
  };
  const combined = (patterns: readonly string[]): string => patterns.map((p) => `(?:${p})`).join('|');
  // Every line of every project ticket body as the normaliser reads it, plus lines made to start with
  // each printable ASCII character, a few non-ASCII ones, and the empty line.
  const corpusLines = ['labelled-tickets', 'holdout-tickets', 'school-voices', 'office-voices']
    .flatMap((f) => readJsonl<{ Subject?: string; Symptom?: string }>(`test/fixtures/${f}.jsonl`))
    .flatMap((t) => foldText(`${t.Subject ?? ''}\n${t.Symptom ?? ''}`).split('\n'))
    .map((l) => l.trim());
  const made = [
    '',
    'x\nab',
    'z\nab',
    'ab\ncd',
    'ab\n',
    'é',
    'ébc',
    '\u2022 555-1234',
    'A',
    'Ab',
    '5',
    '(5',
    '+5 555 1234',
    '--',
    // Lines for the literal gate's alternatives below.
    'xyz',
    'the email is confidential',
    'this message x private',
    'the e-mail is private',
    'intended solely for',
    'intended for',
    'intended  for',
    'acd',
    'abcd',
    'abccde',
    'abcde',
    'a.bcd',
    'axbcd',
    'abcxyz',
    'q\u2022abcd',
    'xfooy',
    'xbarbazy',
    'abccd',
    'aabcd',
    'a foo b',
    'afoob',
  ];
  for (let c = 32; c < 127; c++) {
    const ch = String.fromCharCode(c);
    made.push(ch, `${ch}b`, `${ch}ab`, `${ch}zz`, `${ch}555-1234`, `${ch}${ch}${ch}`, `${ch} thanks`);
  }
  const lines = [...new Set([...corpusLines, ...made])];

  const differences = (source: string): string[] => {
    const plain = plainOf(source);
    const gated = compileCheckedPattern(source);
    return lines
      .filter((l) => gated.test(l) !== plain.test(l))
      .map((l) => `${source} on ${JSON.stringify(l)}`);
  };

  it('on every shipped noise list, over every project line', () => {
    const n = loadConfig({ dir: 'config', env: {} }).routing.normalise;
    const lists = [n.cutAt, n.forwardAt, n.dropLines, n.followUps, n.signatureAt, n.greetings];
    expect(lines.length).toBeGreaterThan(1500);
    expect(lists.flatMap((l) => differences(combined(l)))).toEqual([]);
    // The gate is in place where the alternation is anchored (forwardAt: lines starting "-" or "b").
    expect(compileCheckedPattern(combined(n.forwardAt))).not.toBe(plainOf(combined(n.forwardAt)));
  });

  it('on alternations whose anchoring or first character is not plain', () => {
    const sources = [
      '^a|b',
      '^[a-c]x|zz',
      '^(?:a|)b',
      '(?:^a|b)',
      '^a?b',
      '^a*b|^c{0,2}d',
      '^a{2}b|^(ab|cd)+e',
      '^[(+]?\\d{3}',
      '^[]a]b',
      '^[-a]',
      '^\\.|^\\-',
      '^\\bx',
      '^.b',
      '^\\x{e9}',
      '^[é]',
      '(?m)^ab',
      '(?i)^ab',
      // A top-level flag reaches the alternatives after it: "^" of line starts, folded case.
      '(?m)x|^ab',
      '(?i)x|^ab',
      'x|(?i:^ab)',
      '^(?P<n>a)b',
      '^\\Qa|b\\E',
      '^[[:alpha:]]b',
      '^a|',
      '^',
      '^$',
      '(?:^(?:^a|^b)c)|(?:d$)',
      '^--+ ?$',
      '^ab',
      '^ab$',
      '^ab\\b|^ab\\n',
      '^(hi|hello)( [a-z.]+){0,3} ?[,!:.]?$',
    ];
    expect(sources.flatMap(differences)).toEqual([]);
  });

  it('with the literal gate of the unanchored alternatives (a line without their words skips RE2)', () => {
    const sources = [
      '^a|xyz',
      '^a|(?:(this|the) (e-?mail|message) .{0,4}(confidential|private))',
      '^a|intended (solely )?for',
      '^a|intended +for',
      '^a|ab?cd',
      '^a|abc+de|\\bfoo\\b',
      '^a|a\\.bcd',
      '^a|(abc)?xyz',
      '^a|q\\x{2022}abcd',
      '^a|x(?:foo|barbaz)y',
      '^a|abc{2}d',
      '^a|a{2,}bcd',
      '^a|ab(?:cd|)',
      '^a|(?:abc|de)xyz|foo',
      '^a|[ab]cde',
      '^a|.bcd',
      '^a|bcd$',
    ];
    expect(sources.flatMap(differences)).toEqual([]);
    // The gate answers without RE2 where no word is on the line, and RE2 decides where one is.
    const gated = compileCheckedPattern('^a|(?:(this|the) (e-?mail|message) .{0,40}(confidential|private))');
    expect(gated.test('the message says nothing')).toBe(false);
    expect(gated.test('the message is confidential')).toBe(true);
    expect(gated.test('confidential: the message')).toBe(false);
  });

  it('leaves case-insensitive and unanchored alternations to RE2 alone', () => {
    expect(compileCheckedPattern('^ab|^cd', { ignoreCase: true }).test('AB')).toBe(true);
    expect(compileCheckedPattern('(?m)^ab').test('x\nab')).toBe(true);
    expect(compileCheckedPattern('(?i)^ab').test('Ab')).toBe(true);
    expect(compileCheckedPattern('ab|cd')).toBe(plainOf('ab|cd'));
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
