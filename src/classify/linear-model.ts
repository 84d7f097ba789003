import type { FeatureSettings, ModelFile } from '../config/index.js';
import { CATEGORY_IDS, type CategoryId, type HeatRecord } from '../domain/index.js';
import type { TextNormaliser } from './normalise-text.js';
import {
  bigramHashes,
  featureHashes,
  valueFeatureHashes,
  wordFeatureHashes,
  type HashState,
  type WordFeatureHashes,
} from './ticket-features.js';

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

/**
 * True when every sum of these weights (float32 values added in float64, any subset, any order, any
 * signs) is exact, so the order in which a ticket's weights are added cannot change a bit of the result:
 * every weight is a whole multiple of a power of two q (a float32's last mantissa bit is at least
 * 2^(exponent - 23)), so every partial sum is one too, and float64 holds every multiple of q up to 2^53 q
 * exactly; the sum of all absolute weights of a label bounds every partial sum. The shipped model: q =
 * 2^-38, largest bound about 14,000 < 2^15. A model with tiny weights next to large ones fails the test
 * and is scored in the order of the features instead.
 */
export function exactSums(weights: Float32Array, nLabels: number): boolean {
  let smallest = Infinity;
  for (let i = 0; i < weights.length; i++) {
    const w = Math.abs(weights[i]!);
    if (w !== 0 && w < smallest) smallest = w;
  }
  if (smallest === Infinity) return true;
  // One below the exponent of the smallest weight, in case log2 rounds up at a power of two.
  const exponent = Math.max(-126, Math.floor(Math.log2(smallest)) - 1);
  const q = 2 ** (exponent - 23);
  const limit = 2 ** 53 * q;
  const totals = new Float64Array(nLabels);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!Number.isInteger(w / q)) return false;
    const l = i % nLabels;
    totals[l] = totals[l]! + Math.abs(w);
  }
  // The totals themselves are rounded sums: compare with a margin of one part in 2^20.
  for (let l = 0; l < nLabels; l++) if (totals[l]! * (1 + 2 ** -20) >= limit) return false;
  return true;
}

/** Words longer than this are scored without being cached (a pasted blob must not fill the cache). */
const MAX_CACHED_WORD_LENGTH = 40;
/** The word cache and the ids of features the model does not know are dropped past these sizes. */
const MAX_CACHED_WORDS = 50_000;
const MAX_UNKNOWN_FEATURES = 1 << 18;
/** The caches are dropped past this many word pairs too (most pairs are unknown features: bounded above). */
const MAX_CACHED_PAIRS = 1 << 18;
/** The caches are dropped past this many distinct raw values of value fields. */
const MAX_CACHED_VALUES = 10_000;
/** Spreads a word's number over 32 bits (odd: a one-to-one map), for the pair table's slots. */
const PAIR_SPREAD = 0x9e3779b1;

/** One word's features as ids (see ModelScorer), and the hash state its word pairs start from. */
interface WordIds {
  /** The word's own features, each once, in the order of their first sight. */
  readonly ids: Int32Array;
  /** The sum of the weights of the word's model features (used when sums are exact, see exactSums). */
  readonly sum: Float64Array | null;
  readonly hashes: WordFeatureHashes;
  /** The stamp of the last ticket that had the word (its own features are seen once per ticket). */
  seenIn: number;
  /** The word's number in the cache (names its word pairs in the pair table), -1 when not cached. */
  readonly no: number;
}

/**
 * Scores tickets for one model without building feature strings, with the work per word done once:
 * each distinct word's own features (its "w:" word and "c:" n-grams) are hashed once and resolved to
 * ids, a model feature's index (below `known`) or an id given to a feature the model does not know
 * (it still counts towards the ticket's length, as in training). A ticket's features are deduplicated
 * by id with a stamp per id, so no table is probed for a word seen before. Features are visited in the
 * order forEachFeatureHash emits them, so weights add up in the same order and the logits are the same
 * numbers to the last bit. Scoring is synchronous: one scorer per model serves every ticket.
 */
class ModelScorer {
  private readonly known: number;
  private words = new Map<string, WordIds>();
  private unknown = new FeatureTable(1024);
  private unknownCount = 0;
  /** Per value field (features.valueFields): raw value -> id of its "v:" feature, -1 when blank. */
  private values: Array<Map<string, number>> = [];
  private valueCount = 0;
  /** Word pair (numbers of the two cached words) -> id of its "b:" feature. */
  private pairs = new FeatureTable(1024);
  private pairCount = 0;
  private stamp: Int32Array;
  private current = 0;
  private readonly pair: HashState = { h1: 0, h2: 0 };
  // The ticket being scored (read by predictTicket and hashedLogits until the next ticket).
  /** Its logits (after score: bias + sums scaled). */
  readonly logits: Float64Array;
  /** Its model features (indexes), in the order of first sight: active[0 .. nActive). */
  active = new Int32Array(256);
  nActive = 0;
  private distinct = 0;
  private firstOfWordWasNew = false;

  /** Sums of weights are exact whatever their order (exactSums): a word's weights are added as one sum. */
  private readonly exact: boolean;

  constructor(private readonly model: LinearModel) {
    this.known = model.index.size;
    this.exact = exactSums(model.weights, model.labels.length);
    this.stamp = new Int32Array(this.known + 1024);
    this.logits = new Float64Array(model.labels.length);
  }

  private pushActive(id: number): void {
    if (this.nActive === this.active.length) {
      const grown = new Int32Array(this.active.length * 2);
      grown.set(this.active);
      this.active = grown;
    }
    this.active[this.nActive++] = id;
  }

  /** The id of the feature with these hashes (model index, or an id past the model's features). */
  private idOf(h1: number, h2: number): number {
    const i = this.model.table.get(h1, h2);
    if (i >= 0) return i;
    const u = this.unknown.get(h1, h2);
    if (u >= 0) return this.known + u;
    this.unknown.insert(h1, h2, this.unknownCount);
    const id = this.known + this.unknownCount++;
    if (id >= this.stamp.length) {
      const grown = new Int32Array(this.stamp.length * 2);
      grown.set(this.stamp);
      this.stamp = grown;
    }
    return id;
  }

  private wordIds(word: string): WordIds {
    const cached = this.words.get(word);
    if (cached !== undefined) return cached;
    const hashes = wordFeatureHashes(word, this.model.features);
    const pairs = hashes.hashes;
    const distinct = new Set<number>();
    for (let k = 0; k < pairs.length; k += 2) distinct.add(this.idOf(pairs[k]!, pairs[k + 1]!));
    const ids = Int32Array.from(distinct);
    let sum: Float64Array | null = null;
    if (this.exact) {
      const nLabels = this.model.labels.length;
      const weights = this.model.weights;
      sum = new Float64Array(nLabels);
      for (const id of ids) {
        if (id >= this.known) continue;
        for (let l = 0; l < nLabels; l++) sum[l] = sum[l]! + weights[id * nLabels + l]!;
      }
    }
    const keep = word.length <= MAX_CACHED_WORD_LENGTH;
    const entry = { ids, sum, hashes, seenIn: 0, no: keep ? this.words.size : -1 };
    if (keep) this.words.set(word, entry);
    return entry;
  }

  /**
   * The id of "b:previous_word": hashed and resolved once per pair of cached words, then read from the
   * pair table (the same id idOf gives its hashes).
   */
  private pairId(previous: WordIds, entry: WordIds, word: string): number {
    const pair = this.pair;
    if (previous.no < 0 || entry.no < 0) {
      bigramHashes(previous.hashes, word, pair);
      return this.idOf(pair.h1, pair.h2);
    }
    const k1 = Math.imul(previous.no, PAIR_SPREAD);
    const known = this.pairs.get(k1, entry.no);
    if (known >= 0) return known;
    bigramHashes(previous.hashes, word, pair);
    const id = this.idOf(pair.h1, pair.h2);
    this.pairs.insert(k1, entry.no, id);
    this.pairCount++;
    return id;
  }

  /** Counts a feature at its first sight in the ticket; a model feature adds its weights. */
  private see(id: number): void {
    if (this.stamp[id] === this.current) return;
    this.stamp[id] = this.current;
    this.distinct++;
    if (id >= this.known) return;
    this.pushActive(id);
    const nLabels = this.model.labels.length;
    const weights = this.model.weights;
    const logits = this.logits;
    const base = id * nLabels;
    for (let l = 0; l < nLabels; l++) logits[l] = logits[l]! + weights[base + l]!;
  }

  /**
   * For exact sums: counts a feature of a word at its first sight without adding its weights (the
   * word's sum holds them); true when it was new. A feature seen before in the ticket is taken back
   * out of the word's sum by seeWord.
   */
  private mark(id: number): boolean {
    if (this.stamp[id] === this.current) return false;
    this.stamp[id] = this.current;
    this.distinct++;
    if (id < this.known) this.pushActive(id);
    return true;
  }

  /**
   * A word's own features with exact sums: ids[0] was marked before the word pair (see score), the
   * n-grams are marked here; the word's sum is added and the weights of features the ticket had
   * already (from another word or a pair) are subtracted, so each feature counts once.
   */
  private seeWord(entry: WordIds): void {
    const ids = entry.ids;
    const nLabels = this.model.labels.length;
    const weights = this.model.weights;
    const logits = this.logits;
    const sum = entry.sum!;
    for (let l = 0; l < nLabels; l++) logits[l] = logits[l]! + sum[l]!;
    // ids[0]: counted or not by mark() before the pair, in the order of first sight.
    if (!this.firstOfWordWasNew && ids[0]! < this.known) {
      const base = ids[0]! * nLabels;
      for (let l = 0; l < nLabels; l++) logits[l] = logits[l]! - weights[base + l]!;
    }
    for (let k = 1; k < ids.length; k++) {
      const id = ids[k]!;
      if (this.mark(id) || id >= this.known) continue;
      const base = id * nLabels;
      for (let l = 0; l < nLabels; l++) logits[l] = logits[l]! - weights[base + l]!;
    }
  }

  /** Starts a ticket; drops the caches between tickets when they grew past their bounds. */
  private begin(): void {
    if (
      this.words.size > MAX_CACHED_WORDS ||
      this.unknownCount > MAX_UNKNOWN_FEATURES ||
      this.pairCount > MAX_CACHED_PAIRS ||
      this.valueCount > MAX_CACHED_VALUES ||
      this.current === 0x7fffffff
    ) {
      this.words = new Map();
      this.unknown = new FeatureTable(1024);
      this.unknownCount = 0;
      this.pairs = new FeatureTable(1024);
      this.pairCount = 0;
      this.values = [];
      this.valueCount = 0;
      this.stamp = new Int32Array(this.known + 1024);
      this.current = 0;
    }
    this.current++;
    this.logits.fill(0);
    this.nActive = 0;
    this.distinct = 0;
  }

  /**
   * One word of the features (a run of letters) after `previous`: its own features unless the ticket
   * had the word already, and its pair with the previous word. Returns what the next word pairs with.
   */
  private scoreWord(word: string, previous: WordIds | null, bigrams: boolean): WordIds | null {
    if (word.length < 2) return null;
    const entry = this.wordIds(word);
    // A word seen before in this ticket adds nothing of its own, only its pair with the previous word.
    const repeated = entry.seenIn === this.current;
    entry.seenIn = this.current;
    const ids = entry.ids;
    // The order of forEachFeatureHash: "w:word", "b:previous_word", then the n-grams.
    if (!repeated) {
      if (entry.sum === null) this.see(ids[0]!);
      else this.firstOfWordWasNew = this.mark(ids[0]!);
    }
    if (bigrams && previous !== null) this.see(this.pairId(previous, entry, word));
    if (!repeated) {
      if (entry.sum === null) for (let k = 1; k < ids.length; k++) this.see(ids[k]!);
      else this.seeWord(entry);
    }
    return entry;
  }

  /** The id of the "v:" feature of value field number f holding `raw` (-1: blank), resolved once per value. */
  private valueId(f: number, field: string, raw: string): number {
    const cache = (this.values[f] ??= new Map());
    let id = cache.get(raw);
    if (id === undefined) {
      const h = valueFeatureHashes(field, raw);
      id = h === null ? -1 : this.idOf(h.h1, h.h2);
      cache.set(raw, id);
      this.valueCount++;
    }
    return id;
  }

  /** Scores one ticket into logits and active[0 .. nActive). */
  score(ticket: HeatRecord, normaliser: TextNormaliser, bodyFields: ReadonlySet<string>): void {
    this.begin();
    const settings = this.model.features;
    for (const field of settings.textFields) {
      const words = normaliser.normalise(ticket[field], bodyFields.has(field)).words;
      // The features' words are the runs of letters: a word of the text with digits in it holds
      // several ("win10pro": "win", "pro"; digits end a run but do not break a word pair).
      let previous: WordIds | null = null;
      for (const token of words) {
        if (!hasDigit(token)) {
          previous = this.scoreWord(token, previous, settings.wordBigrams);
          continue;
        }
        const runs = token.match(LETTER_RUN);
        if (runs !== null)
          for (const run of runs) previous = this.scoreWord(run, previous, settings.wordBigrams);
      }
    }
    const valueFields = settings.valueFields;
    for (let f = 0; f < valueFields.length; f++) {
      const raw = ticket[valueFields[f]!];
      if (typeof raw !== 'string') continue;
      const id = this.valueId(f, valueFields[f]!, raw);
      if (id >= 0) this.see(id);
    }
    const { logits, distinct } = this;
    const nLabels = this.model.labels.length;
    const scale = distinct === 0 ? 0 : 1 / Math.sqrt(distinct);
    for (let l = 0; l < nLabels; l++) logits[l] = this.model.bias[l]! + logits[l]! * scale;
  }
}

/** Runs of letters (the features' words) in a word of the text. */
const LETTER_RUN = /[a-z]+/g;

/** True when the word has a digit 0-9. */
function hasDigit(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

const scorers = new WeakMap<LinearModel, ModelScorer>();

/** modelLogits without feature strings: the same numbers from the features' hashes. */
export function hashedLogits(
  model: LinearModel,
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  bodyFields: ReadonlySet<string>,
): { logits: Float64Array; active: number[] } {
  const scorer = scorerOf(model);
  scorer.score(ticket, normaliser, bodyFields);
  return { logits: scorer.logits.slice(), active: Array.from(scorer.active.subarray(0, scorer.nActive)) };
}

/** The model's scorer (one per model; scoring is synchronous). */
function scorerOf(model: LinearModel): ModelScorer {
  let scorer = scorers.get(model);
  if (scorer === undefined) {
    scorer = new ModelScorer(model);
    scorers.set(model, scorer);
  }
  return scorer;
}

const MAX_STRONGEST = 5;
/** Scratch for predictTicket's short list (scoring is synchronous). */
const BEST_INDEX = new Int32Array(MAX_STRONGEST);
const BEST_WEIGHT = new Float64Array(MAX_STRONGEST);
/**
 * Copied for every prediction, never written itself: not frozen, since V8 copies a frozen object by the
 * slow path (about four times the time of a plain one).
 */
const ZERO_PROBABILITIES: Readonly<Record<CategoryId, number>> = Object.fromEntries(
  CATEGORY_IDS.map((c) => [c, 0]),
) as Record<CategoryId, number>;

/** Scores one ticket. Pure: same ticket, same model, same prediction. */
export function predictTicket(
  model: LinearModel,
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  bodyFields: ReadonlySet<string>,
): ModelPrediction {
  // The scorer's own arrays, read before the next ticket is scored.
  const scorer = scorerOf(model);
  scorer.score(ticket, normaliser, bodyFields);
  const p = softmax(scorer.logits, model.temperature);
  const active = scorer.active;
  const nActive = scorer.nActive;
  const probabilities = { ...ZERO_PROBABILITIES };
  const nLabels = model.labels.length;
  let top = 0;
  for (let l = 0; l < nLabels; l++) {
    probabilities[model.labels[l]!] = p[l]!;
    if (p[l]! > p[top]!) top = l;
  }
  // The MAX_STRONGEST largest positive weights for the top label, by insertion into a short list (a
  // weight equal to one listed goes after it: the earlier feature first).
  const bestIndex = BEST_INDEX;
  const bestWeight = BEST_WEIGHT;
  let count = 0;
  const weights = model.weights;
  for (let k = 0; k < nActive; k++) {
    const i = active[k]!;
    const w = weights[i * nLabels + top]!;
    if (w <= 0 || (count === MAX_STRONGEST && w <= bestWeight[MAX_STRONGEST - 1]!)) continue;
    let at = count < MAX_STRONGEST ? count++ : MAX_STRONGEST - 1;
    while (at > 0 && bestWeight[at - 1]! < w) {
      bestWeight[at] = bestWeight[at - 1]!;
      bestIndex[at] = bestIndex[at - 1]!;
      at--;
    }
    bestWeight[at] = w;
    bestIndex[at] = i;
  }
  const strongest: Array<{ feature: string; weight: number }> = [];
  for (let k = 0; k < count; k++) {
    strongest.push({
      feature: featureName(model, bestIndex[k]!),
      weight: Math.round(bestWeight[k]! * 1000) / 1000,
    });
  }
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
