import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FEATURE_SETTINGS,
  classifyTicket,
  exactSums,
  compileLoadedPolicy,
  compilePolicy,
  featureHashes,
  featureKey,
  forEachFeatureHash,
  hashedLogits,
  loadLinearModel,
  modelLogits,
  ticketFeatureKeys,
  ticketFeatures,
  type LabelledTicket,
  type LinearModel,
} from '../../../src/classify/index.js';
import {
  ConfigError,
  MODEL_FORMAT,
  loadConfig,
  modelHashOf,
  readModelFile,
  routingPolicySchema,
  type ModelFile,
} from '../../../src/config/index.js';
import {
  crossValidate,
  examplesFromLabelled,
  fitTemperature,
  kFolds,
  trainLinearModel,
  withModelSettings,
} from '../../../src/learn/index.js';
import { evaluateDecisions } from '../../../src/classify/index.js';
import { categories, gradebookRule } from './policy-fixtures.js';
import { readJsonl } from '../../support/jsonl.js';
import type { HeatRecord } from '../../../src/domain/index.js';

const labelled = readJsonl<LabelledTicket>('test/fixtures/labelled-tickets.jsonl');
const holdout = readJsonl<LabelledTicket>('test/fixtures/holdout-tickets.jsonl');
const voices = readJsonl<LabelledTicket>('test/fixtures/school-voices.jsonl');
const office = readJsonl<LabelledTicket>('test/fixtures/office-voices.jsonl');
const workplace = readJsonl<LabelledTicket>('test/fixtures/workplace-voices.jsonl');
const idioms = readJsonl<LabelledTicket>('test/fixtures/idiom-voices.jsonl');

const shipped = compileLoadedPolicy(loadConfig({ dir: 'config', env: {} }));

describe('features: the hashed scoring path sees exactly what training saw', () => {
  const tickets = [...labelled, ...voices, ...office];
  it('ticketFeatureKeys equals the keys of ticketFeatures on every project ticket', () => {
    let mismatched = 0;
    let features = 0;
    for (const t of tickets) {
      const strings = ticketFeatures(t, shipped.normaliser, DEFAULT_FEATURE_SETTINGS, shipped.bodyFields);
      features += strings.length;
      const fromStrings = new Set(strings.map(featureKey));
      const hashed = ticketFeatureKeys(t, shipped.normaliser, DEFAULT_FEATURE_SETTINGS, shipped.bodyFields);
      if (fromStrings.size !== hashed.size || [...fromStrings].some((k) => !hashed.has(k))) mismatched++;
    }
    expect(tickets.length).toBe(1240);
    expect(features).toBeGreaterThan(100_000);
    expect(mismatched).toBe(0);
  });

  it('hashedLogits equals modelLogits over the feature strings (shipped model)', () => {
    const model = shipped.model!;
    let worst = 0;
    for (const t of tickets.slice(0, 400)) {
      const strings = ticketFeatures(t, shipped.normaliser, model.features, shipped.bodyFields);
      const a = modelLogits(model, strings).logits;
      const b = hashedLogits(model, t, shipped.normaliser, shipped.bodyFields).logits;
      for (let l = 0; l < a.length; l++) worst = Math.max(worst, Math.abs(a[l]! - b[l]!));
    }
    expect(worst).toBeLessThan(1e-9);
  });

  /**
   * hashedLogits' arithmetic the plain way: the features as forEachFeatureHash emits them, each counted
   * at its first sight, model features looked up by the hashes of the model's feature strings; raw
   * weights summed in that order, then scaled.
   */
  const featureHashPair = (f: string): string => {
    const h = featureHashes(f);
    return `${h.h1 | 0},${h.h2 | 0}`;
  };
  const byHashesOf = (model: LinearModel) =>
    new Map([...model.index].map(([f, i]) => [featureHashPair(f), i] as const));
  const shippedByHashes = byHashesOf(shipped.model!);
  const referenceLogits = (t: HeatRecord, model = shipped.model!, byHashes = shippedByHashes) => {
    const n = model.labels.length;
    const seen = new Set<string>();
    const active: number[] = [];
    const sums = new Float64Array(n);
    forEachFeatureHash(t, shipped.normaliser, model.features, shipped.bodyFields, (h1, h2) => {
      const key = `${h1 | 0},${h2 | 0}`;
      if (seen.has(key)) return;
      seen.add(key);
      const i = byHashes.get(key);
      if (i === undefined) return;
      active.push(i);
      for (let l = 0; l < n; l++) sums[l] = sums[l]! + model.weights[i * n + l]!;
    });
    const scale = seen.size === 0 ? 0 : 1 / Math.sqrt(seen.size);
    return { logits: Array.from(sums, (s, l) => model.bias[l]! + s * scale), active };
  };

  it('hashedLogits gives the very numbers of the plain first-sight sum, in its order, on every project ticket', () => {
    const model = shipped.model!;
    const differing: string[] = [];
    // Twice over: the second pass reads every word from the scorer's word cache.
    for (const pass of [1, 2]) {
      for (const t of tickets) {
        const expected = referenceLogits(t);
        const got = hashedLogits(model, t, shipped.normaliser, shipped.bodyFields);
        if (
          JSON.stringify({ logits: Array.from(got.logits), active: got.active }) !== JSON.stringify(expected)
        )
          differing.push(`pass ${pass} ${String(t.RecId)}`);
      }
    }
    expect(differing).toEqual([]);
  });

  it('adds the weights of a word as one sum only when sums are exact in any order, else one by one', () => {
    const model = shipped.model!;
    expect(exactSums(model.weights, model.labels.length)).toBe(true);
    // One tiny weight beside the large ones: sums could round differently in another order.
    const file = structuredClone(model.file);
    file.weights['w:printer']![0] = 1e-30;
    const tiny = loadLinearModel(file, 'tiny');
    expect(exactSums(tiny.weights, tiny.labels.length)).toBe(false);
    expect(exactSums(Float32Array.from([0.5, -0.25, 3, 1e-4]), 2)).toBe(true);
    expect(exactSums(Float32Array.from([2 ** 40, 2 ** -20]), 1)).toBe(false);
    const tinyByHashes = byHashesOf(tiny);
    const differing = tickets
      .slice(0, 300)
      .filter((t) => {
        const got = hashedLogits(tiny, t, shipped.normaliser, shipped.bodyFields);
        const expected = referenceLogits(t, tiny, tinyByHashes);
        return (
          JSON.stringify({ logits: Array.from(got.logits), active: got.active }) !== JSON.stringify(expected)
        );
      })
      .map((t) => String(t.RecId));
    expect(differing).toEqual([]);
  });

  it('keeps the same numbers for a ticket after its word cache was filled and dropped', () => {
    const model = shipped.model!;
    const ticket = tickets[7]!;
    const before = Array.from(hashedLogits(model, ticket, shipped.normaliser, shipped.bodyFields).logits);
    // 60 tickets of 1,000 made-up words each: past the scorer's bound of 50,000 cached words.
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    let n = 0;
    const word = (): string => {
      let w = '';
      for (let k = n++; w.length < 4 || k > 0; k = Math.floor(k / 26)) w += letters[k % 26];
      return w;
    };
    for (let i = 0; i < 60; i++) {
      const subject = Array.from({ length: 1000 }, word).join(' ');
      hashedLogits(model, { Subject: subject }, shipped.normaliser, shipped.bodyFields);
    }
    expect(n).toBe(60_000);
    const after = hashedLogits(model, ticket, shipped.normaliser, shipped.bodyFields);
    expect(Array.from(after.logits)).toEqual(before);
    expect(Array.from(after.logits)).toEqual(referenceLogits(ticket).logits);
    // A word repeated in a ticket counts its own features once; its pairs with other words still count.
    const repeated = { Subject: 'printer printer jammed printer', Symptom: '' };
    expect(Array.from(hashedLogits(model, repeated, shipped.normaliser, shipped.bodyFields).logits)).toEqual(
      referenceLogits(repeated).logits,
    );
  });

  it('reads the letter runs of words with digits in them as the feature strings do', () => {
    const model = shipped.model!;
    // "win10pro" holds "win" and "pro" (a pair across the digits); "a1" and "3d" leave one-letter runs,
    // which break the pairs; "2026" holds no run at all, so "toner" pairs with "jam".
    const ticket = {
      Subject: 'win10pro laptop a1 screen 3d printer',
      Symptom: 'hp4015dn toner 2026 jam x2y',
      Category: 'Hardware',
    };
    const strings = ticketFeatures(ticket, shipped.normaliser, model.features, shipped.bodyFields);
    expect(strings).toEqual(
      expect.arrayContaining(['w:win', 'w:pro', 'b:win_pro', 'b:hp_dn', 'b:toner_jam']),
    );
    expect(strings).not.toContain('b:a_screen');
    expect(strings).not.toContain('b:laptop_screen');
    expect(strings).not.toContain('b:screen_printer');
    const got = hashedLogits(model, ticket, shipped.normaliser, shipped.bodyFields);
    expect(Array.from(got.logits)).toEqual(referenceLogits(ticket).logits);
    expect(got.active).toEqual(referenceLogits(ticket).active);
  });

  it('keeps the same numbers after word pairs filled the caches and they were dropped', () => {
    const model = shipped.model!;
    const ticket = tickets[11]!;
    const before = Array.from(hashedLogits(model, ticket, shipped.normaliser, shipped.bodyFields).logits);
    // 701 words (a prime), each ticket stepping through them by its own stride: 400 x 699 distinct
    // pairs, past the scorer's bounds of 2^18 pairs and unknown features, from few words.
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const vocabulary = Array.from(
      { length: 701 },
      (_, k) => `q${letters[k % 26]}${letters[Math.floor(k / 26) % 26]}${letters[Math.floor(k / 676)]}z`,
    );
    expect(new Set(vocabulary).size).toBe(701);
    for (let i = 0; i < 400; i++) {
      const subject = Array.from({ length: 700 }, (_, j) => vocabulary[(j * (i + 1)) % 701]).join(' ');
      hashedLogits(model, { Subject: subject }, shipped.normaliser, shipped.bodyFields);
    }
    const after = hashedLogits(model, ticket, shipped.normaliser, shipped.bodyFields);
    expect(Array.from(after.logits)).toEqual(before);
    expect(Array.from(after.logits)).toEqual(referenceLogits(ticket).logits);
    const pairs = { Subject: `${vocabulary[3]} ${vocabulary[5]} ${vocabulary[3]} printer jammed` };
    expect(Array.from(hashedLogits(model, pairs, shipped.normaliser, shipped.bodyFields).logits)).toEqual(
      referenceLogits(pairs).logits,
    );
  });

  it('never makes a feature of a digit: phone numbers and extensions cannot score', () => {
    const features = ticketFeatures(
      { Subject: 'Printer', Symptom: 'Jammed.\nExt. 1335 (786) 555-0111' },
      shipped.normaliser,
      DEFAULT_FEATURE_SETTINGS,
      shipped.bodyFields,
    );
    expect(features.filter((f) => /\d/.test(f))).toEqual([]);
    expect(features).toContain('w:printer');
    expect(features).toContain('c:<pri');
  });
});

describe('training', () => {
  const examples = examplesFromLabelled(labelled, shipped, DEFAULT_FEATURE_SETTINGS);
  const settings = {
    epochs: 5,
    learningRate: 0.5,
    l2: 3e-4,
    minCount: 2,
    seed: 7,
    calibrationFolds: 0,
    pruneBelow: 0.002,
  };

  it('is deterministic for a seed, and another seed gives another model', () => {
    const a = JSON.stringify(trainLinearModel(examples, DEFAULT_FEATURE_SETTINGS, settings));
    const b = JSON.stringify(trainLinearModel(examples, DEFAULT_FEATURE_SETTINGS, settings));
    const c = JSON.stringify(trainLinearModel(examples, DEFAULT_FEATURE_SETTINGS, { ...settings, seed: 8 }));
    expect(modelHashOf(a)).toBe(modelHashOf(b));
    expect(modelHashOf(c)).not.toBe(modelHashOf(a));
  });

  it('learns the training tickets (a fit, not a measure) and keeps rare features out', () => {
    const file = trainLinearModel(examples, DEFAULT_FEATURE_SETTINGS, settings);
    expect(file.format).toBe(MODEL_FORMAT);
    expect(file.labels).toHaveLength(8);
    const model = loadLinearModel(file, 'test');
    let right = 0;
    for (const [i, e] of examples.entries()) {
      const logits = modelLogits(model, e.features).logits;
      const top = logits.indexOf(Math.max(...logits));
      if (labelled[i]!.expect.includes(model.labels[top]!)) right++;
    }
    expect(right / examples.length).toBeGreaterThan(0.95);
    // minCount 2: a word seen in one ticket only never becomes a feature.
    const counts = new Map<string, number>();
    for (const e of examples) for (const f of e.features) counts.set(f, (counts.get(f) ?? 0) + 1);
    const once = [...counts].filter(([, n]) => n === 1).map(([f]) => f);
    expect(once.length).toBeGreaterThan(100);
    expect(once.filter((f) => f in file.weights)).toEqual([]);
  });

  it('fits the temperature that undoes a known scaling of the logits', () => {
    // Rows whose true probabilities are softmax(z); the logits are given as 2z: temperature 2 undoes it.
    const rows: Array<{ logits: Float64Array; target: Float64Array }> = [];
    for (let i = 0; i < 400; i++) {
      const z = [Math.sin(i) * 2, Math.cos(i * 1.3) * 2, 0];
      const e = z.map(Math.exp);
      const sum = e[0]! + e[1]! + e[2]!;
      rows.push({
        logits: Float64Array.from(z.map((v) => v * 2)),
        target: Float64Array.from(e.map((v) => v / sum)),
      });
    }
    expect(fitTemperature(rows)).toBeCloseTo(2, 2);
  });

  it('splits folds that cover every ticket once', () => {
    const folds = kFolds(23, 5, 1);
    expect(folds.map((f) => f.length)).toEqual([5, 5, 5, 4, 4]);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });
});

/** A model by hand: one word per label, so that tests choose the probabilities. */
function handModel(weights: Record<string, number[]>): ModelFile {
  return {
    format: MODEL_FORMAT,
    trainedOn: {},
    labels: ['hardware', 'software_access', 'gradebook_admin', 'unclassified'],
    features: { ...DEFAULT_FEATURE_SETTINGS, textFields: ['Subject'], valueFields: [], wordBigrams: false },
    temperature: 1,
    bias: [0, 0, 0, 0],
    weights,
  };
}

function policyWith(model: ModelFile, modelSettings: Record<string, unknown> = {}) {
  const routing = routingPolicySchema.parse({
    threshold: 2,
    categories,
    rules: [gradebookRule, { id: 'hw', category: 'hardware', weight: 3, any: ['projector'] }],
    model: {
      ruleAuthority: 0.5,
      modelVeto: 0.05,
      gradebookFloor: 0.2,
      gradebookStrong: 0.3,
      ...modelSettings,
    },
  });
  return compilePolicy(routing, 'v', { file: 'routing.yaml' }, { file: model, hash: 'hand' });
}

/** Each value of model setting `key` is refused by the schema, with the setting's path. */
function expectRefused(key: string, values: number[]): void {
  for (const value of values) {
    const result = routingPolicySchema.safeParse({
      threshold: 2,
      categories,
      rules: [gradebookRule],
      model: { [key]: value },
    });
    expect(result.success, `${key} ${value}`).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['model', key]);
  }
}

describe('rules, model and the gradebook guard together', () => {
  // A lone word gives one feature w:x plus its 3-5-grams; weights on w: alone, scaled by 1/sqrt(n).
  const model = handModel({
    'w:monitor': [40, 0, 0, 0],
    'w:password': [0, 40, 0, 0],
    'w:marks': [0, 0, 40, 0],
    'w:smudge': [6, 0, 5, 0],
    'w:projector': [0, 40, 0, 0],
    'w:hmm': [1, 1, 0.9, 1.1],
  });
  const policy = policyWith(model);

  it('the model decides where the rules are silent', () => {
    const d = classifyTicket({ Subject: 'monitor' }, policy);
    expect([d.category, d.decidedBy, d.ruleId]).toEqual(['hardware', 'model', 'model']);
    expect(d.model?.top[0]?.category).toBe('hardware');
    expect(d.confidence).toBeGreaterThan(0.9);
  });

  it('confident rules decide unless the model rules their category out', () => {
    // "projector": the rule says hardware (weight 3 >= threshold 2); the model says software access
    // with P(hardware) below the veto, so the model decides.
    const vetoed = classifyTicket({ Subject: 'projector' }, policy);
    expect([vetoed.category, vetoed.decidedBy]).toEqual(['software_access', 'model']);
    const agreeing = policyWith(handModel({ 'w:projector': [3, 0, -3, 0] }));
    const kept = classifyTicket({ Subject: 'projector' }, agreeing);
    expect([kept.category, kept.decidedBy, kept.ruleId]).toEqual(['hardware', 'rules', 'hw']);
  });

  it('low probability goes to review', () => {
    const d = classifyTicket({ Subject: 'hmm' }, policyWith(model, { minProbability: { default: 0.6 } }));
    expect([d.category, d.scope, d.ruleId]).toEqual(['unclassified', 'needs_review', 'model-low-confidence']);
  });

  it('the guard keeps a ticket with gradebook probability from the technicians', () => {
    // P(hardware) highest, P(gradebook) above the floor: never in scope.
    const d = classifyTicket({ Subject: 'smudge' }, policy);
    expect(d.model?.top[0]?.category).toBe('hardware');
    expect(d.model!.gradebookProbability).toBeGreaterThanOrEqual(0.2);
    expect(d.scope).not.toBe('in_scope');
    expect([d.category, d.decidedBy]).toEqual(['gradebook_admin', 'guard']);
    // With the strong mark above its probability, the same ticket goes to review instead.
    const review = classifyTicket({ Subject: 'smudge' }, policyWith(model, { gradebookStrong: 0.9 }));
    expect([review.category, review.scope, review.ruleId]).toEqual([
      'unclassified',
      'needs_review',
      'gradebook-guard-review',
    ]);
  });

  it('a gradebook rule that fired keeps the ticket out of scope', () => {
    const d = classifyTicket(
      { Subject: 'monitor change grades' },
      policyWith(handModel({ 'w:monitor': [9, 0, 0.5, 0] })),
    );
    expect(d.scope).toBe('restricted');
    expect(d.category).toBe('gradebook_admin');
  });

  it('hardware and software access count as one scope against every other category', () => {
    // "split": P(unclassified) is the single highest, but hardware and software access together
    // outweigh it: the ticket stays with the technicians (by its more probable in-scope category).
    const split = policyWith(handModel({ 'w:split': [5, 5, 0, 5.5] }));
    const d = classifyTicket({ Subject: 'split' }, split);
    expect(d.model?.top[0]?.category).toBe('unclassified');
    expect([d.category, d.scope, d.decidedBy]).toEqual(['hardware', 'in_scope', 'model']);
    // The scope's own minimum (routing.yaml sets 0.45 for the two) still sends an unsure split to review.
    const strict = policyWith(handModel({ 'w:split': [5, 5, 0, 5.5] }), {
      minProbability: { default: 0.3, hardware: 0.7, software_access: 0.7 },
    });
    expect(classifyTicket({ Subject: 'split' }, strict).category).toBe('unclassified');
  });

  it('grading work the model ranks first is never in scope; on its word alone below gradebookStrong, review', () => {
    // P(gradebook) the highest but below minProbability (0.3) and gradebookStrong (0.3 here).
    const tally = policyWith(handModel({ 'w:tally': [3.6, 3.6, 4.3, 3.6] }));
    const d = classifyTicket({ Subject: 'tally' }, tally);
    expect(d.model?.top[0]?.category).toBe('gradebook_admin');
    expect(d.model!.gradebookProbability).toBeGreaterThanOrEqual(0.2);
    expect(d.model!.gradebookProbability).toBeLessThan(0.3);
    // No gradebook rule fired: the model's word alone sends it to a person, not a team.
    expect([d.category, d.scope, d.decidedBy, d.ruleId]).toEqual([
      'unclassified',
      'needs_review',
      'model',
      'model-low-confidence',
    ]);
    // A gradebook rule that fired as well: to the gradebook managers from the floor up.
    const ruled = classifyTicket({ Subject: 'tally change grades' }, tally);
    expect([ruled.category, ruled.scope]).toEqual(['gradebook_admin', 'restricted']);
    // At gradebookStrong the model's word is enough.
    const strong = classifyTicket(
      { Subject: 'tally' },
      policyWith(handModel({ 'w:tally': [3.6, 3.6, 4.3, 3.6] }), { gradebookStrong: 0.25 }),
    );
    expect([strong.category, strong.scope, strong.decidedBy]).toEqual([
      'gradebook_admin',
      'restricted',
      'model',
    ]);
  });

  describe('rules that would move technician work away while the model reads it as theirs go to review', () => {
    // "fax" is a telephone rule (weight 4: confidence 0.667 >= ruleAuthority); the model's view is set per word.
    const sixLabels = (weights: Record<string, number[]>): ModelFile => ({
      ...handModel({}),
      labels: ['hardware', 'software_access', 'telephone', 'gradebook_admin', 'unclassified'],
      bias: [0, 0, 0, 0, 0],
      weights,
    });
    const faxPolicy = (weights: Record<string, number[]>, settings: Record<string, unknown> = {}) =>
      compilePolicy(
        routingPolicySchema.parse({
          threshold: 2,
          categories,
          rules: [
            gradebookRule,
            { id: 'tel-fax', category: 'telephone', weight: 4, any: ['fax'] },
            { id: 'tel-line', category: 'telephone', weight: 2, any: ['line'] },
          ],
          model: { ruleAuthority: 0.5, modelVeto: 0.05, conflictReview: 0.3, ...settings },
        }),
        'v',
        { file: 'routing.yaml' },
        { file: sixLabels(weights), hash: 'hand' },
      );
    // w:fax gives P(hardware) about 0.6 and P(telephone) about 0.25.
    const hardwareView = { 'w:fax': [8, 0, 7, 0, 0] };

    it('the model gives the technicians more than conflictReview and more than the rules category: review', () => {
      const d = classifyTicket({ Subject: 'fax' }, faxPolicy(hardwareView));
      const p = Object.fromEntries(d.model!.top.map((t) => [t.category, t.probability]));
      expect(p['hardware']).toBeGreaterThan(p['telephone']!);
      expect(p['telephone']).toBeGreaterThanOrEqual(0.05);
      expect([d.category, d.scope, d.decidedBy, d.ruleId]).toEqual([
        'unclassified',
        'needs_review',
        'model',
        'rules-model-conflict',
      ]);
      // The reasons still show the rule that wanted the move.
      expect(d.reasons.map((r) => r.ruleId)).toEqual(['tel-fax']);
    });

    it('the model agreeing with the rules, or the setting at 1, leaves the move to the rules', () => {
      const agreeing = classifyTicket({ Subject: 'fax' }, faxPolicy({ 'w:fax': [0, 0, 8, 0, 0] }));
      expect([agreeing.category, agreeing.decidedBy, agreeing.ruleId]).toEqual([
        'telephone',
        'rules',
        'tel-fax',
      ]);
      const off = classifyTicket({ Subject: 'fax' }, faxPolicy(hardwareView, { conflictReview: 1 }));
      expect([off.category, off.decidedBy, off.ruleId]).toEqual(['telephone', 'rules', 'tel-fax']);
      // Above the technicians' probability the bar is not reached: the rules decide.
      const high = classifyTicket({ Subject: 'fax' }, faxPolicy(hardwareView, { conflictReview: 0.9 }));
      expect([high.category, high.decidedBy]).toEqual(['telephone', 'rules']);
    });

    it('strong rule evidence for the move (three times the threshold) keeps it with the rules', () => {
      // "fax line": 4 + 2 = 6 = 3 x threshold 2; the same model view as above.
      const d = classifyTicket(
        { Subject: 'fax line' },
        faxPolicy({ ...hardwareView, 'w:line': [0, 0, 0, 0, 0] }),
      );
      const p = Object.fromEntries(d.model!.top.map((t) => [t.category, t.probability]));
      expect(p['hardware']).toBeGreaterThan(p['telephone']!);
      expect([d.category, d.decidedBy, d.ruleId]).toEqual(['telephone', 'rules', 'tel-fax']);
    });

    it('a setting outside (0, 1] is refused with its path', () => {
      expectRefused('conflictReview', [0, -0.2, 1.5]);
    });
  });

  describe('the guard also reads tickets the model would send to another team', () => {
    const labels: ModelFile['labels'] = [
      'hardware',
      'software_access',
      'application_support',
      'gradebook_admin',
      'unclassified',
    ];
    const fiveLabels = (weights: Record<string, number[]>): ModelFile => ({
      ...handModel({}),
      labels,
      bias: [0, 0, 0, 0, 0],
      weights,
    });
    it('gradebook probability above the strong mark: to the gradebook managers, not application support', () => {
      const d = classifyTicket(
        { Subject: 'zeros' },
        policyWith(fiveLabels({ 'w:zeros': [0, 0, 12, 10, 0] })),
      );
      expect(d.model?.top[0]?.category).toBe('application_support');
      expect(d.model!.gradebookProbability).toBeGreaterThanOrEqual(0.3);
      expect([d.category, d.decidedBy, d.ruleId]).toEqual(['gradebook_admin', 'guard', 'gradebook-guard']);
    });
    it('a gradebook rule that fired counts even when the model gives gradebook less than the veto', () => {
      // The model is sure of application support (P(gradebook) < modelVeto): the veto protects
      // technician work only, so the fired gradebook rule still keeps the ticket from another team.
      const d = classifyTicket(
        { Subject: 'report change grades' },
        policyWith(fiveLabels({ 'w:report': [0, 0, 60, 0, 0] })),
      );
      expect(d.model!.gradebookProbability).toBeLessThan(0.05);
      expect([d.category, d.decidedBy]).toEqual(['gradebook_admin', 'guard']);
      // Without the rule's words the same model sends it to application support.
      const plain = classifyTicket(
        { Subject: 'report' },
        policyWith(fiveLabels({ 'w:report': [0, 0, 60, 0, 0] })),
      );
      expect([plain.category, plain.decidedBy]).toEqual(['application_support', 'model']);
    });
  });

  it('no setting switches the guard off: a zero or weak floor is refused', () => {
    expectRefused('gradebookFloor', [0, -0.1, 0.6]);
  });
});

describe('the model file is validated like any config', () => {
  const dirWith = (modelText: string | null): string => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-model-'));
    copyFileSync('config/routing.yaml', join(dir, 'routing.yaml'));
    if (modelText !== null) writeFileSync(join(dir, 'model.json'), modelText);
    return dir;
  };
  const problemsOf = (dir: string) => {
    try {
      loadConfig({ dir, env: {} });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('refuses a missing file, broken JSON and a mismatched model, naming file, key and fix', () => {
    const missing = problemsOf(dirWith(null));
    expect(missing).toEqual([
      expect.objectContaining({ key: '(file)', problem: 'the model file does not exist' }),
    ]);
    expect(missing[0]!.file).toMatch(/model\.json$/);
    expect(missing[0]!.fix).toMatch(/sbt-router train/);

    expect(problemsOf(dirWith('{"format": ')).map((p) => p.problem)).toEqual([
      expect.stringMatching(/^not valid JSON/),
    ]);

    const good = JSON.parse(readFileSync('config/model.json', 'utf8')) as ModelFile;
    const otherFormat = problemsOf(dirWith(JSON.stringify({ ...good, format: 'other/1' })));
    expect(otherFormat.map((p) => p.key)).toEqual(['format']);
    const shortBias = problemsOf(dirWith(JSON.stringify({ ...good, bias: good.bias.slice(1) })));
    expect(shortBias.map((p) => [p.key, p.problem])).toEqual([['bias', 'has 7 numbers for 8 labels']]);
    expect(shortBias[0]!.fix).toMatch(/train it again/);
  });

  it('puts the model hash into the policy version', () => {
    const text = readFileSync('config/model.json', 'utf8');
    const a = loadConfig({ dir: dirWith(text), env: {} });
    const other = JSON.parse(text) as ModelFile;
    other.temperature += 0.001;
    const b = loadConfig({ dir: dirWith(JSON.stringify(other)), env: {} });
    expect(a.modelVersion).toBe(modelHashOf(text));
    expect(a.policyVersion).toMatch(/^[0-9a-f]{12}$/);
    // Same routing.yaml, another model: another policy version.
    expect(b.policyVersion).not.toBe(a.policyVersion);
    expect(b.modelVersion).not.toBe(a.modelVersion);
  });

  it('reads a valid file', () => {
    const read = readModelFile('config/model.json');
    expect(read.problems).toEqual([]);
    expect(read.model?.labels).toHaveLength(8);
  });
});

describe('cross-validation of the whole classifier on the project corpora (CI: no shared datasets)', () => {
  it('decides every school-voices ticket by a model that never saw it, and prints the figures', () => {
    const cfg = loadConfig({ dir: 'config', env: {} });
    const decisions = crossValidate({
      tickets: voices,
      alsoTrainOn: [...labelled, ...holdout, ...office, ...workplace, ...idioms],
      routing: withModelSettings(cfg.routing),
      policyVersion: cfg.policyVersion,
      folds: 3,
    });
    const report = evaluateDecisions(voices, decisions, shipped.restricted);
    console.log(
      `school-voices 3-fold: accuracy ${report.accuracy.toFixed(3)}, scope ${report.scopeAccuracy.toFixed(3)}, ` +
        `gradebook ${report.safety.gradebookRecalled}/${report.safety.gradebookTickets}, in scope ${report.safety.gradebookInScope}, ` +
        report.byLanguage.map((l) => `${l.lang} ${l.accuracy.toFixed(2)}`).join(' '),
    );
    expect(report.total).toBe(429);
    // Measured 0.895 (2026-12-01; 0.902 before conflictReview and the 0.45 bar on the model's moves,
    // which send more of these to review); without the dev corpus (which CI does not have) in training.
    expect(report.accuracy).toBeGreaterThan(0.88);
    expect(report.safety.gradebookInScope).toBe(0);
  }, 120_000);
});
