import { describe, expect, it } from 'vitest';
import { ConfigError, routingPolicySchema, type RoutingPolicyConfig } from '../../../src/config/index.js';
import {
  classifyTicket,
  compareDecisions,
  compileLoadedPolicy,
  compilePolicy,
  confidenceOf,
  evaluateCorpus,
  createTextNormaliser,
  foldText,
  normaliseText,
  stemWord,
  tokeniseText,
} from '../../../src/classify/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { readJsonl } from '../../support/jsonl.js';
import { categories, gradebookRule } from './policy-fixtures.js';

function policyOf(rules: unknown[], extra: Record<string, unknown> = {}): RoutingPolicyConfig {
  return routingPolicySchema.parse({ threshold: 2, categories, rules, ...extra });
}

function compileError(config: RoutingPolicyConfig): ConfigError {
  try {
    compilePolicy(config, 'v', { file: 'routing.yaml' });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('rule language', () => {
  it('rejects unknown keys in a rule, naming the key', () => {
    const r = routingPolicySchema.safeParse({
      threshold: 2,
      categories,
      rules: [{ id: 'a', category: 'hardware', anyy: ['x'] }],
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('anyy');
  });

  it('combines any, all (list of matchers) and none', () => {
    const p = compilePolicy(
      policyOf([
        gradebookRule,
        {
          id: 'web',
          category: 'website',
          weight: 3,
          all: [['website'], ['update', 'add']],
          none: ["won't load"],
        },
      ]),
      'v',
    );
    expect(classifyTicket({ Subject: 'Please update the website' }, p).category).toBe('website');
    expect(classifyTicket({ Subject: 'The website' }, p).category).toBe('unclassified');
    expect(classifyTicket({ Subject: "Update: the website won't load" }, p).category).toBe('unclassified');
  });

  it('"all" as one matcher needs every item', () => {
    const p = compilePolicy(
      policyOf([
        gradebookRule,
        { id: 'hw', category: 'hardware', weight: 2, all: { terms: ['printer', 'jam'] } },
      ]),
      'v',
    );
    expect(classifyTicket({ Symptom: 'printer jammed' }, p).category).toBe('hardware');
    expect(classifyTicket({ Symptom: 'printer' }, p).category).toBe('unclassified');
  });

  it('tests field equality and set membership case- and accent-insensitively', () => {
    const p = compilePolicy(
      policyOf([
        gradebookRule,
        { id: 'src', category: 'telephone', weight: 1, equals: { Source: 'Voice Mail' } },
        { id: 'cat', category: 'telephone', weight: 1, in: { Category: ['Teléfono', 'Phones'] } },
      ]),
      'v',
    );
    const d = classifyTicket({ Source: 'voice mail', Category: 'TELEFONO' }, p);
    expect(d.category).toBe('telephone');
    expect(d.winner.score).toBe(2);
    expect(d.reasons.flatMap((r) => r.matches.map((m) => m.kind)).sort()).toEqual(['equals', 'in']);
  });

  it('searches only the fields a matcher names (custom fields too)', () => {
    const p = compilePolicy(
      policyOf([
        gradebookRule,
        { id: 'c', category: 'hardware', weight: 2, any: { terms: ['lab'], fields: ['RoomType'] } },
      ]),
      'v',
    );
    expect(classifyTicket({ RoomType: 'Computer lab' }, p).category).toBe('hardware');
    expect(classifyTicket({ Subject: 'lab' }, p).category).toBe('unclassified');
  });

  it('expands synonyms both ways at compile time (Spanish)', () => {
    const p = compilePolicy(
      policyOf([gradebookRule, { id: 'p', category: 'hardware', weight: 2, any: ['printer'] }], {
        synonyms: { printer: ['impresora'] },
      }),
      'v',
    );
    const d = classifyTicket({ Subject: 'La impresora no imprime' }, p);
    expect(d.category).toBe('hardware');
    expect(d.reasons[0]!.matches[0]).toEqual({ field: 'Subject', kind: 'term', value: 'impresora' });
  });

  it('uses priority to break equal scores, and is deterministic', () => {
    const p = compilePolicy(
      policyOf([
        gradebookRule,
        { id: 'hw', category: 'hardware', weight: 3, any: ['phone'] },
        { id: 'tel', category: 'telephone', weight: 3, priority: 1, any: ['phone'] },
      ]),
      'v',
    );
    const a = classifyTicket({ Subject: 'phone' }, p);
    expect(a.category).toBe('telephone');
    expect(classifyTicket({ Subject: 'phone' }, p)).toEqual(a);
  });
});

describe('the restricted guarantee', () => {
  it('a restricted category at threshold wins over any higher score and any rule order', () => {
    const p = compilePolicy(
      policyOf([
        {
          id: 'admin-override',
          category: 'hardware',
          weight: 100,
          priority: 99,
          any: ['gradebook', 'computer'],
        },
        { id: 'gb', category: 'gradebook_admin', weight: 2, any: ['change grades'] },
      ]),
      'v',
    );
    const d = classifyTicket({ Subject: 'Change grades on the gradebook computer' }, p);
    expect(d.category).toBe('gradebook_admin');
    expect(d.scope).toBe('restricted');
    expect(d.restricted).toBe(true);
    expect(d.ruleId).toBe('gb');
    expect(d.runnerUp).toEqual({ category: 'hardware', score: 100 });
  });

  it('below threshold a restricted category does not win', () => {
    const p = compilePolicy(
      policyOf([
        { id: 'gb', category: 'gradebook_admin', weight: 1, any: ['grades'] },
        { id: 'h', category: 'hardware', weight: 2, any: ['printer'] },
      ]),
      'v',
    );
    expect(classifyTicket({ Subject: 'grades printer' }, p).category).toBe('hardware');
  });
});

describe('decisions explain themselves', () => {
  const p = compilePolicy(
    policyOf([
      gradebookRule,
      { id: 'hw', category: 'hardware', weight: 3, any: ['printer'] },
      { id: 'sw', category: 'software_access', weight: 1, any: ['driver'] },
    ]),
    'v9',
  );

  it('gives rules, matches with field, winner, runner-up and confidence by the documented formula', () => {
    const d = classifyTicket({ Subject: 'Printer driver', Symptom: 'Secret student name Jane Doe' }, p);
    expect(d).toMatchObject({
      category: 'hardware',
      scope: 'in_scope',
      ruleId: 'hw',
      policyVersion: 'v9',
      winner: { category: 'hardware', score: 3 },
      runnerUp: { category: 'software_access', score: 1 },
    });
    expect(d.confidence).toBe(confidenceOf(3, 1, 2));
    expect(d.confidence).toBeCloseTo(((3 - 1) / 3) * (3 / (3 + 2)), 3);
    expect(d.reasons.map((r) => r.ruleId)).toEqual(['hw', 'sw']);
    expect(d.reasons[0]!.matches).toEqual([{ field: 'Subject', kind: 'term', value: 'printer' }]);
    expect(JSON.stringify(d)).not.toMatch(/Jane|Secret/);
  });

  it('lists the same keys in the same order with and without a model (what JSON output shows)', () => {
    const rulesKeys = ['category', 'scope', 'ruleId', 'confidence', 'restricted', 'policyVersion'];
    const tail = ['reasons', 'winner', 'runnerUp', 'decidedBy'];
    const d = classifyTicket({ Subject: 'Printer driver' }, p);
    expect(Object.keys(d)).toEqual([...rulesKeys, ...tail]);
    expect(d.decidedBy).toBe('rules');
    const shipped = compileLoadedPolicy(loadConfig({ dir: 'config', env: {} }));
    const m = classifyTicket({ Subject: 'Printer driver' }, shipped);
    expect(Object.keys(m)).toEqual([...rulesKeys, ...tail, 'model']);
    expect(Object.keys(m.model!)).toEqual(['version', 'top', 'gradebookProbability', 'strongest']);
  });

  it('is unclassified with ruleId "threshold" when nothing reaches the threshold', () => {
    const d = classifyTicket({ Subject: 'driver' }, p);
    expect(d).toMatchObject({
      category: 'unclassified',
      scope: 'needs_review',
      ruleId: 'threshold',
      runnerUp: { category: 'software_access', score: 1 },
    });
    expect(d.confidence).toBe(0.5);
    expect(classifyTicket({ Subject: 'hello' }, p).confidence).toBe(1);
  });
});

describe('classification keeps nothing of one ticket for the next', () => {
  it('decides every labelled ticket the same in forward and reverse order, and from a fresh policy', () => {
    const cfg = loadConfig({ dir: 'config', env: {} });
    const shared = compileLoadedPolicy(cfg);
    const tickets = readJsonl<Record<string, unknown>>('test/fixtures/labelled-tickets.jsonl');
    const forward = tickets.map((t) => JSON.stringify(classifyTicket(t, shared)));
    const reverse = tickets
      .slice()
      .reverse()
      .map((t) => JSON.stringify(classifyTicket(t, shared)))
      .reverse();
    expect(reverse).toEqual(forward);
    // A ticket with many matches (reasons), then one with few: the second as a fresh policy decides it.
    const fresh = compileLoadedPolicy(cfg);
    const many = tickets.reduce((a, t, i) => (forward[i]!.length > forward[a]!.length ? i : a), 0);
    const few = tickets.reduce((a, t, i) => (forward[i]!.length < forward[a]!.length ? i : a), 0);
    expect(JSON.parse(forward[many]!).reasons.length).toBeGreaterThan(2);
    classifyTicket(tickets[many]!, shared);
    expect(JSON.stringify(classifyTicket(tickets[few]!, shared))).toBe(
      JSON.stringify(classifyTicket(tickets[few]!, fresh)),
    );
  });
});

describe('compilePolicy refuses unsafe or broken policies with file, key and fix', () => {
  it('accepts nested repetition (RE2 runs it in linear time) and refuses lookahead with a rewrite', () => {
    expect(() =>
      compilePolicy(
        policyOf([gradebookRule, { id: 'nested', category: 'hardware', any: { patterns: ['(a+)+$'] } }]),
        'v',
      ),
    ).not.toThrow();
    const err = compileError(
      policyOf([gradebookRule, { id: 'evil', category: 'hardware', any: { patterns: ['ext(?=\\d)'] } }]),
    );
    expect(err.problems[0]).toMatchObject({ file: 'routing.yaml', key: 'rules[1].any.patterns[0]' });
    expect(err.problems[0]!.problem).toBe(
      'rule "evil" pattern: "ext(?=\\d)" uses lookahead ("(?="), which the linear-time pattern engine (RE2) does not support',
    );
    expect(err.problems[0]!.fix).toMatch(/^rewrite without lookahead/);
  });

  it('rejects an invalid regular expression and a noise pattern RE2 cannot run', () => {
    const err = compileError(
      policyOf([gradebookRule, { id: 'bad', category: 'hardware', any: { patterns: ['(unclosed'] } }], {
        normalise: { cutAt: ['(?<!x)y'] },
      }),
    );
    expect(err.problems.map((p) => p.key).sort()).toEqual(['normalise.cutAt[0]', 'rules[1].any.patterns[0]']);
    expect(err.problems.map((p) => p.problem).sort()).toEqual([
      'e-mail noise pattern: "(?<!x)y" uses lookbehind ("(?<!"), which the linear-time pattern engine (RE2) does not support',
      'rule "bad" pattern: "(unclosed" is not a valid RE2 regular expression (missing closing ): `(unclosed`)',
    ]);
  });

  it('caps pattern length in the schema', () => {
    expect(
      routingPolicySchema.safeParse({
        threshold: 2,
        categories,
        rules: [{ id: 'x', category: 'hardware', any: { patterns: ['a'.repeat(201)] } }],
      }).success,
    ).toBe(false);
  });

  it('rejects duplicate ids, rules for "unclassified" and rules without a positive condition', () => {
    const err = compileError(
      policyOf([
        gradebookRule,
        { id: 'gb', category: 'hardware', any: ['x'] },
        { id: 'u', category: 'unclassified', any: ['x'] },
        { id: 'n', category: 'hardware', none: ['x'] },
      ]),
    );
    expect(err.problems.map((p) => p.key)).toEqual(['rules[1].id', 'rules[2].category', 'rules[3]']);
  });

  it('rejects a restricted category without rules and an empty policy', () => {
    expect(compileError(policyOf([{ id: 'h', category: 'hardware', any: ['x'] }])).message).toMatch(
      /restricted category "gradebook_admin" has no enabled rule/,
    );
    expect(compileError(policyOf([])).problems.length).toBeGreaterThan(0);
  });
});

describe('normaliseText', () => {
  const settings = routingPolicySchema.parse({
    threshold: 2,
    categories,
    normalise: {
      cutAt: ['^on .{1,120}wrote:?$', '^sent from my ', '^confidentiality notice'],
      dropLines: ['^>', '^phone\\b.{0,5}\\d'],
      forwardAt: ['^-{2,} ?forwarded message ?-{2,}'],
    },
  }).normalise;

  it('turns HTML into text, folds case and accents, stems words', () => {
    const n = normaliseText(
      '<p>La <b>Impresión</b> &amp; Printers</p><table><tr><td>Calificación</td></tr></table>',
      settings,
    );
    expect(n.folded).toContain('la impresion & printers');
    expect(n.tokens).toEqual(expect.arrayContaining(['impresion', 'printer', 'calificacion']));
  });

  it('strips quoted replies, phone lines of signatures, disclaimers and "Sent from my iPhone"', () => {
    const n = normaliseText(
      'Projector broken\nPhone: 555-1234\nSent from my iPhone\nOn Mon, Bob wrote:\n> grades',
      settings,
    );
    expect(n.folded).toBe('projector broken');
    expect(normaliseText('Hi\nCONFIDENTIALITY NOTICE: student records', settings).folded).toBe('hi');
  });

  it('keeps a forwarded request whose note above is empty, dropping its headers', () => {
    const n = normaliseText(
      '---------- Forwarded message ---------\nFrom: A\nSubject: x\nPlease fix the printer',
      settings,
    );
    expect(n.folded).toBe('please fix the printer');
  });

  it("gives tokeniseText's tokens and the text's words, from a cold and from a warm stem cache", () => {
    const shipped = loadConfig({ dir: 'config', env: {} }).routing.normalise;
    const keep = new Set(shipped.keepWords.map((w) => foldText(w)));
    const normaliser = createTextNormaliser(shipped);
    const texts = readJsonl<{ Subject?: string; Symptom?: string }>('test/fixtures/labelled-tickets.jsonl')
      .flatMap((t) => [t.Subject ?? '', t.Symptom ?? ''])
      .concat(["Cant print, doesnt load; won't open", 'Grades graded GRADING jams win10pro']);
    expect(texts.length).toBe(646);
    const differing: string[] = [];
    for (const pass of [1, 2]) {
      texts.forEach((text, i) => {
        const n = normaliser.normalise(text, i % 2 === 1);
        const tokens = tokeniseText(n.folded, shipped.stemming, keep);
        const words = n.folded.match(/[a-z0-9]+/g) ?? [];
        if (JSON.stringify([n.tokens, n.words]) !== JSON.stringify([tokens, words]))
          differing.push(`pass ${pass} text ${i}`);
      });
    }
    expect(differing).toEqual([]);
    expect(normaliser.normalise('Cant print the grades', false).tokens).toEqual([
      'can',
      't',
      'print',
      'the',
      'grades',
    ]);
    expect(normaliser.normalise('Cant print the grades', false).words).toEqual([
      'cant',
      'print',
      'the',
      'grades',
    ]);
  });

  it('stems English and Spanish forms alike', () => {
    expect(stemWord('printers')).toBe(stemWord('printer'));
    expect(stemWord('installing')).toBe(stemWord('installed'));
    expect(stemWord('calificaciones')).toBe(stemWord('calificacione'));
    expect(stemWord('fax')).toBe('fax');
  });
});

describe('evaluateCorpus and compareDecisions', () => {
  const p = compilePolicy(
    policyOf([gradebookRule, { id: 'hw', category: 'hardware', weight: 2, any: ['printer'] }]),
    'a',
  );
  const tickets = [
    { RecId: '1', Subject: 'printer', expect: ['hardware'] },
    { RecId: '2', Subject: 'change grades', expect: ['gradebook_admin'] },
    { RecId: '3', Subject: 'voicemail', expect: ['telephone'] },
    { RecId: '4', Subject: 'printer web page', expect: ['website', 'hardware'] },
  ];

  it('computes accuracy, per-category figures, confusion, restricted recall/precision and misses', () => {
    const r = evaluateCorpus(tickets, p);
    expect(r.accuracy).toBe(0.75);
    expect(r.restrictedRecall).toBe(1);
    expect(r.restrictedPrecision).toBe(1);
    expect(r.confusion.telephone.unclassified).toBe(1);
    expect(r.perCategory.find((c) => c.category === 'hardware')).toMatchObject({
      support: 2,
      predicted: 2,
      precision: 1,
      recall: 1,
    });
    expect(r.perCategory.find((c) => c.category === 'telephone')).toMatchObject({
      recall: 0,
      precision: null,
    });
    expect(r.misses).toHaveLength(1);
    expect(r.misses[0]).toMatchObject({ recId: '3', got: 'unclassified', ruleId: 'threshold' });
  });

  it('shows what an edit changes', () => {
    const q = compilePolicy(
      policyOf([
        gradebookRule,
        { id: 'hw', category: 'hardware', weight: 2, any: ['printer'] },
        { id: 'tel', category: 'telephone', weight: 2, any: ['voicemail'] },
      ]),
      'b',
    );
    const c = compareDecisions(tickets, p, q);
    expect(c.changed).toBe(1);
    expect(c.changes[0]).toMatchObject({
      recId: '3',
      before: { category: 'unclassified' },
      after: { category: 'telephone', ruleId: 'tel' },
      scopeChanged: true,
    });
    expect(c.moves.find((m) => m.category === 'telephone')).toEqual({
      category: 'telephone',
      before: 0,
      after: 1,
      delta: 1,
    });
  });
});
