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
