import { CATEGORY_IDS, type CategoryId } from '../domain/index.js';
import { loadLinearModel, modelLogits, softmax, type LinearModel } from '../classify/index.js';
import { MODEL_FORMAT, type FeatureSettings, type ModelFile } from '../config/index.js';

/** One training example: its features and the acceptable labels (weight split between them). */
export interface TrainingExample {
  features: readonly string[];
  labels: readonly CategoryId[];
  /** Source weight (1 by default): e.g. people's overrides count more than closed-ticket history. */
  weight?: number;
}

export interface TrainSettings {
  /** Passes over the data. */
  epochs: number;
  /** AdaGrad step size. */
  learningRate: number;
  /** L2 penalty per example step. */
  l2: number;
  /** Features seen in fewer examples are left out (keeps rare words, such as names, out of the model). */
  minCount: number;
  /** Seed of the example order: same data, same seed, same model. */
  seed: number;
  /** Folds used to fit the calibration temperature on held-out predictions (0 = no calibration). */
  calibrationFolds: number;
  /** Weights smaller than this in every label are dropped from the file. */
  pruneBelow: number;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = Object.freeze({
  epochs: 30,
  learningRate: 0.5,
  l2: 3e-4,
  minCount: 2,
  seed: 20261201,
  calibrationFolds: 5,
  pruneBelow: 0.002,
});

/** A small seeded generator (mulberry32): training must be deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Encoded {
  idx: Int32Array;
  scale: number;
  target: Float64Array;
  weight: number;
}

function encode(
  examples: readonly TrainingExample[],
  index: ReadonlyMap<string, number>,
  labelIndex: ReadonlyMap<CategoryId, number>,
  nLabels: number,
): Encoded[] {
  return examples.map((e) => {
    const idx: number[] = [];
    for (const f of e.features) {
      const i = index.get(f);
      if (i !== undefined) idx.push(i);
    }
    const target = new Float64Array(nLabels);
    const known = e.labels.filter((l) => labelIndex.has(l));
    for (const l of known) target[labelIndex.get(l)!] = 1 / known.length;
    return {
      idx: Int32Array.from(idx),
      scale: e.features.length === 0 ? 0 : 1 / Math.sqrt(e.features.length),
      target,
      weight: e.weight ?? 1,
    };
  });
}

/** Fits weights and biases (no calibration): multinomial logistic regression by AdaGrad. */
function fitWeights(
  examples: readonly TrainingExample[],
  labels: readonly CategoryId[],
  settings: TrainSettings,
): { index: Map<string, number>; weights: Float32Array; bias: Float64Array } {
  const nLabels = labels.length;
  const counts = new Map<string, number>();
  for (const e of examples) for (const f of e.features) counts.set(f, (counts.get(f) ?? 0) + 1);
  const names = [...counts]
    .filter(([, n]) => n >= settings.minCount)
    .map(([f]) => f)
    .sort();
  const index = new Map(names.map((f, i) => [f, i]));
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const data = encode(examples, index, labelIndex, nLabels).filter((d) => d.target.some((t) => t > 0));
  const w = new Float64Array(names.length * nLabels);
  const g2 = new Float64Array(names.length * nLabels).fill(1e-8);
  const bias = new Float64Array(nLabels);
  const b2 = new Float64Array(nLabels).fill(1e-8);
  const random = seededRandom(settings.seed);
  const order = data.map((_, i) => i);
  const logits = new Float64Array(nLabels);
  const lr = settings.learningRate;
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const pass = shuffled(order, random);
    for (const k of pass) {
      const d = data[k]!;
      for (let l = 0; l < nLabels; l++) logits[l] = bias[l]!;
      for (const i of d.idx) {
        const base = i * nLabels;
        for (let l = 0; l < nLabels; l++) logits[l] = logits[l]! + w[base + l]! * d.scale;
      }
      softmax(logits);
      for (let l = 0; l < nLabels; l++) {
        const g = (logits[l]! - d.target[l]!) * d.weight;
        b2[l] = b2[l]! + g * g;
        bias[l] = bias[l]! - (lr * g) / Math.sqrt(b2[l]!);
        if (g === 0) continue;
        for (const i of d.idx) {
          const j = i * nLabels + l;
          const gj = g * d.scale + settings.l2 * w[j]!;
          g2[j] = g2[j]! + gj * gj;
          w[j] = w[j]! - (lr * gj) / Math.sqrt(g2[j]!);
        }
      }
    }
  }
  return { index, weights: Float32Array.from(w), bias };
}

function modelFrom(
  fit: { index: Map<string, number>; weights: Float32Array; bias: Float64Array },
  labels: readonly CategoryId[],
  features: FeatureSettings,
  temperature: number,
  pruneBelow: number,
  trainedOn: Record<string, unknown>,
): ModelFile {
  const nLabels = labels.length;
  const weights: Record<string, number[]> = {};
  for (const [feature, i] of fit.index) {
    const row: number[] = [];
    let keep = false;
    for (let l = 0; l < nLabels; l++) {
      const v = fit.weights[i * nLabels + l]!;
      if (Math.abs(v) >= pruneBelow) keep = true;
      row.push(Math.round(v * 10000) / 10000);
    }
    if (keep) weights[feature] = row;
  }
  return {
    format: MODEL_FORMAT,
    trainedOn,
    labels: [...labels],
    features,
    temperature: Math.round(temperature * 1000) / 1000,
    bias: [...fit.bias].map((b) => Math.round(b * 10000) / 10000),
    weights,
  };
}

/** Negative log-likelihood of the targets under softmax(logits / t). */
function nll(rows: ReadonlyArray<{ logits: Float64Array; target: Float64Array }>, t: number): number {
  let sum = 0;
  for (const r of rows) {
    const p = softmax(Float64Array.from(r.logits), t);
    // Cross-entropy against the target distribution (one-hot, or split between acceptable labels).
    for (let l = 0; l < p.length; l++) {
      if (r.target[l]! > 0) sum -= r.target[l]! * Math.log(Math.max(p[l]!, 1e-12));
    }
  }
  return sum / Math.max(rows.length, 1);
}

/** The temperature that minimises held-out log loss (golden-section search on [0.2, 8]). */
export function fitTemperature(rows: ReadonlyArray<{ logits: Float64Array; target: Float64Array }>): number {
  if (rows.length === 0) return 1;
  let lo = Math.log(0.2);
  let hi = Math.log(8);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = nll(rows, Math.exp(a));
  let fb = nll(rows, Math.exp(b));
  for (let k = 0; k < 40; k++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = nll(rows, Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = nll(rows, Math.exp(b));
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** Splits indices 0..n-1 into k folds, seeded; each example's fold is stable for a seed. */
export function kFolds(n: number, k: number, seed: number): number[][] {
  const order = shuffled(
    Array.from({ length: n }, (_, i) => i),
    seededRandom(seed),
  );
  const folds: number[][] = Array.from({ length: k }, () => []);
  order.forEach((i, pos) => folds[pos % k]!.push(i));
  return folds.map((f) => f.sort((a, b) => a - b));
}

/**
 * Trains a calibrated model: weights on all examples, and a temperature fitted on out-of-fold
 * predictions (`calibrationFolds` extra fits on the folds' complements). Deterministic for a seed.
 */
export function trainLinearModel(
  examples: readonly TrainingExample[],
  features: FeatureSettings,
  settings: TrainSettings = DEFAULT_TRAIN_SETTINGS,
  trainedOn: Record<string, unknown> = {},
): ModelFile {
  const present = new Set(examples.flatMap((e) => e.labels));
  const labels = CATEGORY_IDS.filter((c) => present.has(c));
  if (labels.length < 2) throw new Error('training needs examples of at least two categories');
  let temperature = 1;
  if (settings.calibrationFolds >= 2 && examples.length >= settings.calibrationFolds * 4) {
    const rows: Array<{ logits: Float64Array; target: Float64Array }> = [];
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    for (const fold of kFolds(examples.length, settings.calibrationFolds, settings.seed + 1)) {
      const held = new Set(fold);
      const fit = fitWeights(
        examples.filter((_, i) => !held.has(i)),
        labels,
        settings,
      );
      const m = loadLinearModel(modelFrom(fit, labels, features, 1, 0, {}), 'fold');
      for (const i of fold) {
        const e = examples[i]!;
        const target = new Float64Array(labels.length);
        const known = e.labels.filter((l) => labelIndex.has(l));
        for (const l of known) target[labelIndex.get(l)!] = 1 / known.length;
        rows.push({ logits: modelLogits(m, e.features).logits, target });
      }
    }
    temperature = fitTemperature(rows);
  }
  const fit = fitWeights(examples, labels, settings);
  return modelFrom(fit, labels, features, temperature, settings.pruneBelow, {
    ...trainedOn,
    examples: examples.length,
    seed: settings.seed,
    epochs: settings.epochs,
  });
}

export type { LinearModel };
