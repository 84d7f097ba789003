import type { FeatureSettings, ModelFile } from '../config/index.js';
import { CATEGORY_IDS, type CategoryId, type HeatRecord } from '../domain/index.js';
import type { TextNormaliser } from './normalise-text.js';
import { featureHashes, forEachFeatureHash } from './ticket-features.js';

/** A model ready to score: the file's weights in flat arrays. */
export interface LinearModel {
  labels: readonly CategoryId[];
  features: FeatureSettings;
  temperature: number;
  bias: Float64Array;
  index: ReadonlyMap<string, number>;
  /** The features by their two hashes, for scoring without building feature strings. */
  table: FeatureTable;
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
  const table = new FeatureTable(entries.length);
  const weights = new Float32Array(entries.length * nLabels);
  entries.forEach(([feature, w], i) => {
    index.set(feature, i);
    const h = featureHashes(feature);
    table.insert(h.h1, h.h2, i);
    for (let l = 0; l < nLabels; l++) weights[i * nLabels + l] = w[l]!;
  });
  return {
    labels: file.labels,
    features: file.features,
    temperature: file.temperature,
    bias: Float64Array.from(file.bias),
    index,
    table,
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

/**
 * Open addressing over the two 32-bit hashes of a feature string (64 bits: no two features of a model
 * share them in practice); `stamp` marks the slots seen for the current ticket, so a table also
 * deduplicates a ticket's features without being cleared.
 */
export class FeatureTable {
  private h1: Int32Array;
  private h2: Int32Array;
  /** index + 1; 0 = empty */
  private value: Int32Array;
  private stamp: Int32Array;
  private mask: number;
  private size = 0;
  current = 1;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.h1 = new Int32Array(capacity);
    this.h2 = new Int32Array(capacity);
    this.value = new Int32Array(capacity);
    this.stamp = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private slot(h1: number, h2: number): number {
    let i = (h1 ^ (h2 >>> 7)) & this.mask;
    while (this.value[i] !== 0 && (this.h1[i] !== (h1 | 0) || this.h2[i] !== (h2 | 0)))
      i = (i + 1) & this.mask;
    return i;
  }

  insert(h1: number, h2: number, index: number): void {
    if ((this.size + 1) * 2 > this.value.length) this.grow();
    const i = this.slot(h1, h2);
    if (this.value[i] === 0) this.size++;
    this.h1[i] = h1;
    this.h2[i] = h2;
    this.value[i] = index + 1;
  }

  /** The index stored for the hashes, or -1. */
  get(h1: number, h2: number): number {
    return this.value[this.slot(h1, h2)]! - 1;
  }

  /** Inserts (value 0) when absent; true the first time the hashes are seen under the current stamp. */
  firstSight(h1: number, h2: number): boolean {
    if ((this.size + 1) * 2 > this.value.length) this.grow();
    const i = this.slot(h1, h2);
    if (this.value[i] === 0) {
      this.h1[i] = h1;
      this.h2[i] = h2;
      this.value[i] = 1;
      this.size++;
    }
    if (this.stamp[i] === this.current) return false;
    this.stamp[i] = this.current;
    return true;
  }

  /** Starts a new ticket; the scratch table is emptied when it grew large. */
  next(): void {
    this.current++;
    if (this.size > 65536) this.reset(this.value.length);
  }

  private reset(capacity: number): void {
    this.h1 = new Int32Array(capacity);
    this.h2 = new Int32Array(capacity);
    this.value = new Int32Array(capacity);
    this.stamp = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
  }

  private grow(): void {
    const { h1, h2, value, stamp } = this;
    this.reset(value.length * 2);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === 0) continue;
      const j = this.slot(h1[i]!, h2[i]!);
      this.h1[j] = h1[i]!;
      this.h2[j] = h2[i]!;
      this.value[j] = value[i]!;
      this.stamp[j] = stamp[i]!;
      this.size++;
    }
  }
}

/** Seen features of the ticket being scored (scoring is synchronous: one scratch table serves all). */
const seen = new FeatureTable(4096);

/** modelLogits without feature strings: the same numbers from the features' hashes. */
export function hashedLogits(
  model: LinearModel,
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  bodyFields: ReadonlySet<string>,
): { logits: Float64Array; active: number[] } {
  const nLabels = model.labels.length;
  const logits = new Float64Array(nLabels);
  const active: number[] = [];
  let distinct = 0;
  seen.next();
  forEachFeatureHash(ticket, normaliser, model.features, bodyFields, (h1, h2) => {
    if (!seen.firstSight(h1, h2)) return;
    distinct++;
    const i = model.table.get(h1, h2);
    if (i < 0) return;
    active.push(i);
    const base = i * nLabels;
    for (let l = 0; l < nLabels; l++) logits[l] = logits[l]! + model.weights[base + l]!;
  });
  const scale = distinct === 0 ? 0 : 1 / Math.sqrt(distinct);
  for (let l = 0; l < nLabels; l++) logits[l] = model.bias[l]! + logits[l]! * scale;
  return { logits, active };
}

const MAX_STRONGEST = 5;
const ZERO_PROBABILITIES = Object.freeze(
  Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0])) as Record<CategoryId, number>,
);

/** Scores one ticket. Pure: same ticket, same model, same prediction. */
export function predictTicket(
  model: LinearModel,
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  bodyFields: ReadonlySet<string>,
): ModelPrediction {
  const { logits, active } = hashedLogits(model, ticket, normaliser, bodyFields);
  const p = softmax(logits, model.temperature);
  const probabilities = { ...ZERO_PROBABILITIES };
  const nLabels = model.labels.length;
  let top = 0;
  for (let l = 0; l < nLabels; l++) {
    probabilities[model.labels[l]!] = p[l]!;
    if (p[l]! > p[top]!) top = l;
  }
  // The MAX_STRONGEST largest positive weights for the top label, by insertion into a short list.
  const best: Array<{ i: number; w: number }> = [];
  for (const i of active) {
    const w = model.weights[i * nLabels + top]!;
    if (w <= 0 || (best.length === MAX_STRONGEST && w <= best[MAX_STRONGEST - 1]!.w)) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.w < w) at--;
    best.splice(at, 0, { i, w });
    if (best.length > MAX_STRONGEST) best.pop();
  }
  const strongest = best.map((x) => ({
    feature: featureName(model, x.i),
    weight: Math.round(x.w * 1000) / 1000,
  }));
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
