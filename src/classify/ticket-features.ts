import type { FeatureSettings } from '../config/index.js';
import type { HeatRecord } from '../domain/index.js';
import { foldText, type TextNormaliser } from './normalise-text.js';

export const DEFAULT_FEATURE_SETTINGS: FeatureSettings = Object.freeze({
  textFields: ['Subject', 'Symptom'],
  valueFields: ['Category'],
  charNgramMin: 3,
  charNgramMax: 5,
  wordBigrams: true,
});

// Words are letters only: digits (phone numbers, extensions, room numbers, dates) never become features,
// so a signature's "Ext. 1335" cannot push a ticket anywhere.
const LETTER_WORD = /[a-z]+/g;

/**
 * The features of one ticket: a deduplicated list of strings (words, word pairs, character n-grams inside
 * words, and field values). Text goes through the policy's normaliser first (HTML, quoted replies,
 * signatures, disclaimers and "Sent from" lines removed; case and accents folded), so the noise the
 * normaliser strips can never score.
 */
export function ticketFeatures(
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  settings: FeatureSettings,
  bodyFields: ReadonlySet<string>,
): string[] {
  const out = new Set<string>();
  for (const field of settings.textFields) {
    const text = normaliser.normalise(ticket[field], bodyFields.has(field)).folded;
    if (text === '') continue;
    const words = text.match(LETTER_WORD) ?? [];
    let previous: string | null = null;
    for (const word of words) {
      if (word.length < 2) {
        previous = null;
        continue;
      }
      out.add(`w:${word}`);
      if (settings.wordBigrams && previous !== null) out.add(`b:${previous}_${word}`);
      previous = word;
      const marked = `<${word}>`;
      for (let n = settings.charNgramMin; n <= settings.charNgramMax; n++) {
        if (marked.length < n) break;
        for (let i = 0; i + n <= marked.length; i++) out.add(`c:${marked.slice(i, i + n)}`);
      }
    }
  }
  for (const field of settings.valueFields) {
    const raw = ticket[field];
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    out.add(`v:${field}=${foldText(raw).trim()}`);
  }
  return [...out];
}

/*
 * The same features as numbers, for scoring without building strings: each feature string's 53-bit key
 * from two 32-bit hashes (FNV-1a and a multiply-xorshift), computed as the string would be spelled.
 * ticketFeatureKeys(t) equals ticketFeatures(t).map(featureKey) as a set (test/unit/classify/model.test.ts).
 */
const H1_START = 0x811c9dc5;
const H2_START = 0x9747b28c;

export interface HashState {
  h1: number;
  h2: number;
}

function mix(s: HashState, code: number): void {
  s.h1 = Math.imul(s.h1 ^ code, 0x01000193);
  let h2 = Math.imul(s.h2 ^ code, 0x5bd1e995);
  h2 ^= h2 >>> 15;
  s.h2 = h2;
}

function mixText(s: HashState, text: string): void {
  for (let i = 0; i < text.length; i++) mix(s, text.charCodeAt(i));
}

function keyOf(s: HashState): number {
  return (s.h1 >>> 0) * 2097152 + ((s.h2 >>> 0) & 0x1fffff);
}

/** The two 32-bit hashes of one feature string. */
export function featureHashes(feature: string): HashState {
  const s = { h1: H1_START, h2: H2_START };
  mixText(s, feature);
  return s;
}

/** Hash states after the prefixes of word and character n-gram features. */
const W_PREFIX = featureHashes('w:');
const C_PREFIX = featureHashes('c:');
const B_PREFIX = featureHashes('b:');

/** The numeric key of one feature string. */
export function featureKey(feature: string): number {
  const s = { h1: H1_START, h2: H2_START };
  mixText(s, feature);
  return keyOf(s);
}

/**
 * Calls `emit(h1, h2)` for every feature of ticketFeatures(ticket) (repeats included), without building
 * the feature strings: the two 32-bit hashes of each feature string as it would be spelled.
 */
export function forEachFeatureHash(
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  settings: FeatureSettings,
  bodyFields: ReadonlySet<string>,
  emit: (h1: number, h2: number) => void,
): void {
  const min = settings.charNgramMin;
  const max = settings.charNgramMax;
  for (const field of settings.textFields) {
    const text = normaliser.normalise(ticket[field], bodyFields.has(field)).folded;
    if (text === '') continue;
    const words = text.match(LETTER_WORD) ?? [];
    let previous: string | null = null;
    for (const word of words) {
      if (word.length < 2) {
        previous = null;
        continue;
      }
      const w = { ...W_PREFIX };
      mixText(w, word);
      emit(w.h1, w.h2);
      if (settings.wordBigrams && previous !== null) {
        // "b:" previous "_" word, hashed in place.
        const pair = { ...B_PREFIX };
        mixText(pair, previous);
        mix(pair, 95);
        mixText(pair, word);
        emit(pair.h1, pair.h2);
      }
      previous = word;
      emitCharNgrams(word, min, max, emit);
    }
  }
  for (const field of settings.valueFields) {
    const raw = ticket[field];
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    const h = featureHashes(`v:${field}=${foldText(raw).trim()}`);
    emit(h.h1, h.h2);
  }
}

/** The "c:" n-grams of "<word>", by start and length, as (h1, h2) hash pairs (the one spelling of them). */
function emitCharNgrams(
  word: string,
  min: number,
  max: number,
  emit: (h1: number, h2: number) => void,
): void {
  const length = word.length + 2; // "<" word ">"
  for (let i = 0; i + min <= length; i++) {
    const gram = { ...C_PREFIX };
    for (let j = i; j < length && j - i < max; j++) {
      mix(gram, j === 0 ? 60 : j === length - 1 ? 62 : word.charCodeAt(j - 1));
      if (j - i + 1 >= min) emit(gram.h1, gram.h2);
    }
  }
}

/**
 * What one word (two letters or more) contributes to a ticket's features, computed once per word and
 * cached by the scorer (linear-model.ts): `hashes` holds, as h1, h2 pairs, the hashes of "w:word" and
 * then of the "c:" n-grams of "<word>" by start and length, in the order forEachFeatureHash emits them
 * (repeats included: the scorer counts a feature at its first sight in the ticket). `bigramH1`/`bigramH2` are the
 * hash states after "b:word_", from which bigramHashes finishes the pair feature with the next word.
 */
export interface WordFeatureHashes {
  readonly hashes: Int32Array;
  readonly bigramH1: number;
  readonly bigramH2: number;
}

/** The features of one word on its own (see WordFeatureHashes), as forEachFeatureHash spells them. */
export function wordFeatureHashes(word: string, settings: FeatureSettings): WordFeatureHashes {
  const min = settings.charNgramMin;
  const max = settings.charNgramMax;
  const pairs: number[] = [];
  const add = (h1: number, h2: number): void => {
    pairs.push(h1, h2);
  };
  const w = { ...W_PREFIX };
  mixText(w, word);
  add(w.h1 | 0, w.h2 | 0);
  emitCharNgrams(word, min, max, (h1, h2) => add(h1 | 0, h2 | 0));
  const pair = { ...B_PREFIX };
  mixText(pair, word);
  mix(pair, 95); // word "_"
  return { hashes: Int32Array.from(pairs), bigramH1: pair.h1, bigramH2: pair.h2 };
}

/** The hashes of "b:previous_word" into `out`, from previous's cached state after "b:previous_". */
export function bigramHashes(previous: WordFeatureHashes, word: string, out: HashState): void {
  out.h1 = previous.bigramH1;
  out.h2 = previous.bigramH2;
  mixText(out, word);
}

/** The hashes of the "v:" feature of one value field's raw value, as forEachFeatureHash spells it; null when blank. */
export function valueFeatureHashes(field: string, raw: string): HashState | null {
  if (raw.trim() === '') return null;
  return featureHashes(`v:${field}=${foldText(raw).trim()}`);
}

/** The keys of ticketFeatures(ticket) (for tests: the hashed path must see the same features). */
export function ticketFeatureKeys(
  ticket: HeatRecord,
  normaliser: TextNormaliser,
  settings: FeatureSettings,
  bodyFields: ReadonlySet<string>,
): Set<number> {
  const out = new Set<number>();
  forEachFeatureHash(ticket, normaliser, settings, bodyFields, (h1, h2) => out.add(keyOf({ h1, h2 })));
  return out;
}
