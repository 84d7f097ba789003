import { compile as compileHtmlToText } from 'html-to-text';
import type { RoutingPolicyConfig } from '../config/index.js';
import { compileCheckedPattern, type AdminPattern } from './compile-admin-pattern.js';
import { stemWord } from './stem-word.js';

export type NormaliseSettings = RoutingPolicyConfig['normalise'];

/** A field's text after normalisation: folded lines (for patterns) and word stems (for terms and phrases). */
export interface NormalisedText {
  /** Lower case, accents removed, e-mail noise stripped, at most maxFieldChars long; lines joined by "\n". */
  folded: string;
  /** Word stems in order (words are runs of a-z and 0-9 in the folded text). */
  tokens: string[];
  /**
   * The words themselves (runs of a-z and 0-9 in the folded text, before contractions are split and
   * words stemmed): the model's scorer reads its words (runs of letters) from them (linear-model.ts).
   */
  words: readonly string[];
}

/** Compiled noise filters; built once per policy (see compilePolicy). */
export interface TextNormaliser {
  /** `body`: the field may hold HTML and an e-mail thread (normalise.bodyFields). */
  normalise(value: unknown, body: boolean): NormalisedText;
}

// HEAT's Symptom ("Description") is rich text on many tenants (docs/heat-api.md §7): convert it, keep no URLs.
const htmlToText = compileHtmlToText({
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
  ],
});
const HTML_HINT = /<\/?[a-z][a-z0-9]*[\s>/]|&(?:[a-z]+|#\d+);/i;
/**
 * Most e-mail bodies use only inline and block tags. Those take a regex fast path (html-to-text costs
 * about 100 us a body, five times the rest of classification); tables, lists, scripts and anything
 * else go through html-to-text.
 */
const SIMPLE_HTML = /^(?:[^<]|<\/?(?:p|div|br|span|b|i|u|em|strong|font|a|img|blockquote|hr)\b[^<>]*>)*$/i;
const BLOCK_TAG = /<(?:br|hr)\b[^>]*>|<\/?(?:p|div)\b[^>]*>/gi;
const BLOCKQUOTE_OPEN = /<blockquote\b[^>]*>/gi;
const ANY_TAG = /<[^>]*>/g;
const ENTITY = /&(?:#(\d{1,6})|#x([0-9a-f]{1,6})|([a-z]+));/gi;
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function simpleHtmlToText(html: string): string {
  return html
    .replace(BLOCKQUOTE_OPEN, '\n> ')
    .replace(BLOCK_TAG, '\n')
    .replace(ANY_TAG, '')
    .replace(ENTITY, (m: string, dec?: string, hex?: string, name?: string) => {
      if (dec !== undefined) return String.fromCodePoint(Math.min(Number(dec), 0x10ffff));
      if (hex !== undefined) return String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff));
      return NAMED_ENTITIES[(name ?? '').toLowerCase()] ?? m;
    });
}
// Any character outside printable ASCII and whitespace may carry an accent.
const NON_ASCII = /[^\t\n\r\x20-\x7e]/;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
const WORD = /[a-z0-9]+/g;
const EMPTY: NormalisedText = Object.freeze({
  folded: '',
  tokens: Object.freeze([]) as unknown as string[],
  words: Object.freeze([]),
});
/** The normaliser's stem cache is dropped past this many words (a bound on its memory). */
const MAX_CACHED_STEMS = 50_000;

/** Lower case and accents removed ("Calificación" -> "calificacion"). */
export function foldText(text: string): string {
  const lower = text.toLowerCase();
  return NON_ASCII.test(lower) ? lower.normalize('NFD').replace(COMBINING_MARKS, '') : lower;
}

/**
 * Contractions typed without the apostrophe ("cant open", "wont print", "doesnt load": common in terse
 * tickets and phone keyboards). The tokenizer splits "can't" into "can" + "t", so the bare forms are split
 * the same way and meet the policy's "can't" / "won't" phrases. Ambiguous bare words stay as they are
 * ("well", "were", "its", "id", "ill", "shell").
 */
const BARE_CONTRACTIONS: ReadonlyMap<string, readonly [string, string]> = new Map(
  (
    [
      ['cant', 'can'],
      ['wont', 'won'],
      ['dont', 'don'],
      ['doesnt', 'doesn'],
      ['didnt', 'didn'],
      ['isnt', 'isn'],
      ['arent', 'aren'],
      ['wasnt', 'wasn'],
      ['werent', 'weren'],
      ['couldnt', 'couldn'],
      ['wouldnt', 'wouldn'],
      ['shouldnt', 'shouldn'],
      ['havent', 'haven'],
      ['hasnt', 'hasn'],
    ] as const
  ).map(([bare, stem]) => [bare, [stem, 't'] as const]),
);

/** The last characters of the bare contractions (ASCII codes), so most words skip the lookup. */
const CONTRACTION_ENDS = new Uint8Array(128);
for (const bare of BARE_CONTRACTIONS.keys()) CONTRACTION_ENDS[bare.charCodeAt(bare.length - 1)] = 1;

/** Word stems of folded text (stemming optional; `keep` words are never stemmed). */
export function tokeniseText(folded: string, stemming: boolean, keep?: ReadonlySet<string>): string[] {
  let words: string[] | null = folded.match(WORD);
  if (!words) return [];
  for (let i = 0; i < words.length; i++) {
    if (BARE_CONTRACTIONS.has(words[i]!)) {
      words = expandContractions(words);
      break;
    }
  }
  if (stemming) {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (keep === undefined || !keep.has(w)) words[i] = stemWord(w);
    }
  }
  return words;
}

function expandContractions(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const pair = BARE_CONTRACTIONS.get(w);
    if (pair === undefined) out.push(w);
    else out.push(pair[0], pair[1]);
  }
  return out;
}

/** Quote marks at the start of a quoted line ("> ", ">> "). */
const QUOTE_MARKS = /^(?:>\s?)+/;
/** A follow-up above a quote is at most this many words ("Following up - has anyone looked at this?"). */
const MAX_FOLLOW_UP_WORDS = 12;

/** A signature line (name, title, school, contact line) has at most this many words. */
const MAX_SIGNATURE_LINE_WORDS = 8;
/** At most this many lines above a contact line are read as its signature (name, title, school, district). */
const MAX_SIGNATURE_LINES_ABOVE = 4;
/**
 * True when `line` has at most `max` words of letters (runs of a-z, as /[a-z]+/g finds them), counted
 * without building them: a body's every line is asked.
 */
function letterWordsAtMost(line: string, max: number): boolean {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    const letter = c >= 97 && c <= 122;
    if (letter && !inWord && ++words > max) return false;
    inWord = letter;
  }
  return true;
}
/** A line that ends a sentence or a question is request text, not a signature line. */
const SENTENCE_END = /[.?!]["')]?$/;

/**
 * The reply and forward marks mail clients put before a subject ("Re:", "Fwd:", "FW:", Spanish "RV:",
 * "RE[2]:"), repeated or not: they say nothing about the request.
 */
const REPLY_PREFIX = /^\s*(?:(?:re|fw|fwd|rv|tr|enc)(?:\[\d+\])?\s?:\s*)+/;

/** Header lines of a forwarded or quoted message (English and Spanish mail clients). */
const HEADER_LINE = /^(from|de|date|fecha|sent|enviado|subject|asunto|to|para|cc)\s?:/;

/**
 * One alternation of admin patterns, so each line costs one test; compiled in RE2 like rule patterns
 * (linear time whatever the patterns). compilePolicy has refused syntax RE2 lacks before this runs.
 */
export function combinePatterns(patterns: readonly string[]): AdminPattern | null {
  if (patterns.length === 0) return null;
  return compileCheckedPattern(patterns.map((p) => `(?:${p})`).join('|'));
}

export function createTextNormaliser(settings: NormaliseSettings): TextNormaliser {
  const cutAt = combinePatterns(settings.cutAt);
  const forwardAt = combinePatterns(settings.forwardAt);
  const keep = new Set(settings.keepWords.map((w) => foldText(w)));
  const dropLines = combinePatterns(settings.dropLines);
  const followUps = combinePatterns(settings.followUps);
  const signatureAt = combinePatterns(settings.signatureAt);
  const greetings = combinePatterns(settings.greetings);
  const maxChars = settings.maxFieldChars;
  const stemming = settings.stemming;
  /** word -> its token (stemmed unless a keep word), as tokeniseText makes it; not contractions. */
  let stems = new Map<string, string>();

  function tokenOf(word: string): string {
    let token = stems.get(word);
    if (token === undefined) {
      token = stemming && !keep.has(word) ? stemWord(word) : word;
      if (stems.size >= MAX_CACHED_STEMS) stems = new Map();
      stems.set(word, token);
    }
    return token;
  }

  /** tokeniseText(folded, stemming, keep) from the words of folded, with each word's token cached. */
  function tokensOf(words: readonly string[]): string[] {
    const tokens: string[] = [];
    for (const word of words) {
      // Only words ending as a bare contraction does (in "t") are looked up.
      const last = word.charCodeAt(word.length - 1);
      const pair = last < 128 && CONTRACTION_ENDS[last] === 1 ? BARE_CONTRACTIONS.get(word) : undefined;
      if (pair === undefined) tokens.push(tokenOf(word));
      else tokens.push(tokenOf(pair[0]), tokenOf(pair[1]));
    }
    return tokens;
  }

  /** A line a signature may hold: a few words, not a sentence or a question. */
  function signatureLike(line: string): boolean {
    return letterWordsAtMost(line, MAX_SIGNATURE_LINE_WORDS) && !SENTENCE_END.test(line);
  }

  function bodyText(raw: string): string {
    // Bound the work before anything else: admin patterns only ever see maxFieldChars of text.
    let text = raw.length > maxChars * 2 ? raw.slice(0, maxChars * 2) : raw;
    if (HTML_HINT.test(text)) text = SIMPLE_HTML.test(text) ? simpleHtmlToText(text) : htmlToText(text);
    if (text.length > maxChars) text = text.slice(0, maxChars);
    // Fold once for the whole body, then work line by line on folded text.
    const lines = foldText(text).split('\n');
    // Kept lines and the paragraph (run of non-blank lines) each came from.
    let kept: string[] = [];
    let keptParagraph: number[] = [];
    let paragraph = 0;
    let signatureParagraph = -1;
    let inForwardHeader = false;
    let readingQuote = false;
    // Before any text of the message (or of the forwarded or quoted request): greetings are dropped.
    let atTop = true;
    for (const rawLine of lines) {
      const line = rawLine.trim();
      if (line === '') {
        paragraph++;
        continue;
      }
      if (forwardAt !== null && forwardAt.test(line)) {
        inForwardHeader = true;
        atTop = true;
        continue;
      }
      if (inForwardHeader) {
        if (HEADER_LINE.test(line)) continue;
        inForwardHeader = false;
      }
      if (cutAt !== null && cutAt.test(line)) {
        // A reply header or sign-off ends the message; a forward with nothing above it keeps its body
        // (an Outlook forward's From:/Sent:/To:/Subject: lines are skipped like a forward header).
        if (kept.length === 0) {
          if (HEADER_LINE.test(line)) inForwardHeader = true;
          continue;
        }
        // "Any update?" above a quote carries no request: the quoted request is read instead.
        if (!readingQuote && isFollowUp(kept.join('\n'))) {
          kept = [];
          keptParagraph = [];
          readingQuote = true;
          atTop = true;
          continue;
        }
        break;
      }
      const unquoted = readingQuote ? line.replace(QUOTE_MARKS, '') : line;
      if (unquoted === '') continue;
      if (readingQuote && HEADER_LINE.test(unquoted)) continue;
      // The rest of a signature's paragraph after its contact line (more numbers, the school's name).
      if (paragraph === signatureParagraph && signatureLike(unquoted)) continue;
      if (signatureAt !== null && signatureLike(unquoted) && signatureAt.test(unquoted)) {
        // A contact line: the name, title and school lines right above it in its paragraph go with it.
        let above = 0;
        while (
          above < MAX_SIGNATURE_LINES_ABOVE &&
          kept.length > 0 &&
          keptParagraph[keptParagraph.length - 1] === paragraph &&
          signatureLike(kept[kept.length - 1]!)
        ) {
          kept.pop();
          keptParagraph.pop();
          above++;
        }
        signatureParagraph = paragraph;
        continue;
      }
      if (dropLines !== null && dropLines.test(unquoted)) continue;
      if (atTop && greetings !== null && greetings.test(unquoted)) continue;
      atTop = false;
      kept.push(unquoted);
      keptParagraph.push(paragraph);
    }
    return kept.join('\n');
  }

  /** Text that only chases an earlier message (normalise.followUps, a few words at most). */
  function isFollowUp(text: string): boolean {
    if (followUps === null) return false;
    const words = text.match(WORD)?.length ?? 0;
    return words <= MAX_FOLLOW_UP_WORDS && followUps.test(text);
  }

  return {
    normalise(value: unknown, body: boolean): NormalisedText {
      let raw: string;
      if (typeof value === 'string') raw = value;
      else if (typeof value === 'number' || typeof value === 'boolean') raw = String(value);
      else return EMPTY;
      if (raw === '') return EMPTY;
      const folded = body
        ? bodyText(raw)
        : foldText(raw.length > maxChars ? raw.slice(0, maxChars) : raw).replace(REPLY_PREFIX, '');
      const words = folded.match(WORD) ?? [];
      return { folded, tokens: tokensOf(words), words };
    },
  };
}

/**
 * Normalises one text: HTML to text, e-mail noise stripped (when `body`), case and accents folded,
 * words stemmed. For tools and tests; classifyTicket uses the policy's compiled normaliser.
 */
export function normaliseText(
  text: string,
  settings: NormaliseSettings,
  options: { body?: boolean } = {},
): NormalisedText {
  return createTextNormaliser(settings).normalise(text, options.body ?? true);
}
