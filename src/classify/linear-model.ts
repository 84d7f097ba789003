import type { FeatureSettings, ModelFile } from '../config/index.js';
import { CATEGORY_IDS, type CategoryId, type HeatRecord } from '../domain/index.js';
import type { TextNormaliser } from './normalise-text.js';
import { ticketFeatures } from './ticket-features.js';

/** A model ready to score: the file's weights in flat arrays. */
export interface LinearModel {
  labels: readonly CategoryId[];
  features: FeatureSettings;
  temperature: number;
  bias: Float64Array;
  index: ReadonlyMap<string, number>;
  /** index * labels.length + label */
  weights: Float32Array;
  /** Short content hash, part of the policy version. */
  hash: string;
  file: ModelFile;
}

export interface ModelPrediction {
  /** Calibrated probability per category id (0 for ids the model does not know). */
  probabilities: Record<CategoryId, number>;
  /** The most probable category. */
  top: CategoryId;
  /** Features that pushed the top category most (for people; policy-free words, never whole ticket text). */
  strongest: Array<{ feature: string; weight: number }>;
}

/** Builds the scoring arrays from a checked model file. `hash` is the file's content hash. */
export function loadLinearModel(file: ModelFile, hash: string): LinearModel {
  const nLabels = file.labels.length;
  const entries = Object.entries(file.weights);
  const index = new Map<string, number>();
  const weights = new Float32Array(entries.length * nLabels);
  entries.forEach(([feature, w], i) => {
    index.set(feature, i);
    for (let l = 0; l < nLabels; l++) weights[i * nLabels + l] = w[l]!;
  });
  return {
    labels: file.labels,
    features: file.features,
    temperature: file.temperature,
    bias: Float64Array.from(file.bias),
    index,
    weights,
    hash,
    file,
  };
}

/** Softmax of `logits / temperature`, in place; returns the array. */
export function softmax(logits: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    logits[i] = logits[i]! / temperature;
    if (logits[i]! > max) max = logits[i]!;
  }
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    logits[i] = Math.exp(logits[i]! - max);
    sum += logits[i]!;
  }
  for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / sum;
  return logits;
}

/** Raw scores (before temperature) of a feature list: bias + sum of weights / sqrt(active features). */
export function modelLogits(
  model: LinearModel,
  features: readonly string[],
): { logits: Float64Array; active: number[] } {
  const nLabels = model.labels.length;
  const active: number[] = [];
  for (const f of features) {
    const i = model.index.get(f);
    if (i !== undefined) active.push(i);
  }
  const logits = Float64Array.from(model.bias);
  // Every feature the ticket has counts towards its length, known or not, as in training.
  const scale = features.length === 0 ? 0 : 1 / Math.sqrt(features.length);
  for (const i of active) {
    const base = i * nLabels;
    for (let l = 0; l < nLabels; l++) logits[l] = logits[l]! + model.weights[base + l]! * scale;
  }
  return { logits, active };
}

const MAX_STRONGEST = 5;

/** Scores one ticket. Pure: same ticket, same model, same prediction. */
export function predictTicket(
  model: LinearModel,
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  bodyFields: ReadonlySet<string>,
): ModelPrediction {
  const features = ticketFeatures(ticket, normaliser, model.features, bodyFields);
  const { logits, active } = modelLogits(model, features);
  const p = softmax(logits, model.temperature);
  const probabilities = Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0])) as Record<CategoryId, number>;
  let top = 0;
  for (let l = 0; l < model.labels.length; l++) {
    probabilities[model.labels[l]!] = p[l]!;
    if (p[l]! > p[top]!) top = l;
  }
  const nLabels = model.labels.length;
  const strongest = active
    .map((i) => ({ i, w: model.weights[i * nLabels + top]! }))
    .filter((x) => x.w > 0)
    .sort((a, b) => b.w - a.w)
    .slice(0, MAX_STRONGEST)
    .map((x) => ({ feature: featureName(model, x.i), weight: Math.round(x.w * 1000) / 1000 }));
  return { probabilities, top: model.labels[top]!, strongest };
}

let namesCache: WeakMap<LinearModel, string[]> = new WeakMap();
function featureName(model: LinearModel, i: number): string {
  let names = namesCache.get(model);
  if (!names) {
    names = [...model.index.keys()];
    namesCache.set(model, names);
  }
  return names[i]!;
}

/** For tests: forget cached feature names. */
export function resetModelCaches(): void {
  namesCache = new WeakMap();
}
