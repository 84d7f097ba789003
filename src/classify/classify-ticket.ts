import {
  CATEGORY_IDS,
  CATEGORY_SCOPES,
  type CategoryId,
  type CategoryScore,
  type Decision,
  type HeatRecord,
  type Match,
  type Reason,
} from '../domain/index.js';
import type { ModelSettings } from '../config/index.js';
import type { CompiledPolicy, CompiledRule } from './compile-policy.js';
import { predictTicket, type LinearModel } from './linear-model.js';
import { foldText, type NormalisedText, type TextNormaliser } from './normalise-text.js';

/** A reason shows at most this many matches (the rule fired; the rest add nothing for a reader). */
const MAX_MATCHES_PER_REASON = 10;

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Confidence (docs/policy.md): for a winner with score s1 >= threshold T and runner-up score s2,
 * margin = (s1 - max(s2, 0)) / s1 clamped to [0, 1], strength = s1 / (s1 + T), confidence = margin x strength.
 * For `unclassified`: 1 - clamp(top / T), i.e. 1 when nothing fired at all.
 */
export function confidenceOf(winnerScore: number, runnerUpScore: number | null, threshold: number): number {
  const s2 = Math.max(runnerUpScore ?? 0, 0);
  const margin = Math.min(1, Math.max(0, (winnerScore - s2) / winnerScore));
  const strength = winnerScore / (winnerScore + threshold);
  return round3(margin * strength);
}

/**
 * Classifies one HEAT incident under a compiled policy: the rules, then (when the policy has a model)
 * the model where the rules are silent, weak or ruled out, then the gradebook guard. Pure and
 * deterministic: same ticket, same policy, same Decision. Reasons carry only the policy's own words,
 * phrases and patterns and the model's feature names, never ticket text.
 */
export function classifyTicket(ticket: HeatRecord, policy: CompiledPolicy): Decision {
  if (policy.model === null || policy.modelSettings === null)
    return rulesDecided(classifyByRules(ticket, policy));
  // Rules and model read the same normalised fields: normalise each once.
  const normaliser = onceEach(policy.normaliser);
  const byRules = classifyByRules(ticket, policy, normaliser);
  return combineWithModel(byRules, ticket, policy, policy.model, policy.modelSettings, normaliser);
}

/**
 * A Decision with every key named: a key added to Decision must be added where decisions are built
 * (the compiler says so). They are built as object literals, in the order of the rules' keys and then
 * decidedBy and model, not as `{ ...rules, decidedBy }`: an object spread followed by more properties
 * takes V8's slow path, about 1.5 µs a ticket.
 */
type WholeDecision = { [K in keyof Required<Decision>]: Decision[K] };

/** The rules' decision, decided by the rules (a policy without a model). */
function rulesDecided(rules: Decision): Decision {
  const decision: Omit<WholeDecision, 'model'> = {
    category: rules.category,
    scope: rules.scope,
    ruleId: rules.ruleId,
    confidence: rules.confidence,
    restricted: rules.restricted,
    policyVersion: rules.policyVersion,
    reasons: rules.reasons,
    winner: rules.winner,
    runnerUp: rules.runnerUp,
    decidedBy: 'rules',
  };
  return decision;
}

/**
 * A normaliser that remembers its answers for one ticket (the same value and body flag). A ticket has a
 * handful of text fields, so the answers sit in a short list searched in order (no Map per ticket).
 */
function onceEach(normaliser: TextNormaliser): TextNormaliser {
  const values: unknown[] = [];
  const bodies: boolean[] = [];
  const answers: NormalisedText[] = [];
  return {
    normalise(value: unknown, body: boolean): NormalisedText {
      for (let i = 0; i < values.length; i++) {
        // (NaN misses and is normalised again: the same answer.)
        if (values[i] === value && bodies[i] === body) return answers[i]!;
      }
      const answer = normaliser.normalise(value, body);
      values.push(value);
      bodies.push(body);
      answers.push(answer);
      return answer;
    },
  };
}

/** True when tokens[i + 1 ...] continue with `rest` (the words of a phrase after its first). */
function restMatches(tokens: readonly string[], i: number, rest: readonly string[]): boolean {
  if (i + rest.length >= tokens.length) return false;
  for (let j = 0; j < rest.length; j++) {
    if (tokens[i + 1 + j] !== rest[j]) return false;
  }
  return true;
}

/**
 * Finds the policy items the ticket's fields match. slot[item] = 1 + index into hitField/hitValue/hitItem
 * (the field and policy word of its first match, and the item) when the item matched; 0 otherwise.
 */
function matchItems(
  ticket: HeatRecord,
  policy: CompiledPolicy,
  normaliser: TextNormaliser,
  index: RuleIndex,
): void {
  const { slot, hitField, hitValue, hitItem } = index;
  // Written by position, not pushed: the arrays keep their size from ticket to ticket.
  let hits = 0;
  for (const field of policy.fields) {
    const text = normaliser.normalise(ticket[field.name], field.body);
    const tokens = text.tokens;
    if (tokens.length === 0) continue;
    const words = field.words;
    for (let i = 0; i < tokens.length; i++) {
      const entries = words.get(tokens[i]!);
      if (entries === undefined) continue;
      for (const e of entries) {
        if (slot[e.item] !== 0) continue;
        if (e.rest !== null && !restMatches(tokens, i, e.rest)) continue;
        hitField[hits] = field.name;
        hitValue[hits] = e.variant;
        hitItem[hits] = e.item;
        slot[e.item] = ++hits;
      }
    }
    for (const p of field.patterns) {
      if (slot[p.item] !== 0) continue;
      if (p.re.test(text.folded)) {
        hitField[hits] = field.name;
        hitValue[hits] = policy.items[p.item]!.value;
        hitItem[hits] = p.item;
        slot[p.item] = ++hits;
      }
    }
  }
  index.hits = hits;
}

/**
 * Where each item sits in the policy's rules, built once per policy (items -> rules, as lists in one
 * array per kind: entries start[item] .. start[item + 1]), and the scratch arrays classifyByRules
 * reuses from ticket to ticket (classification is synchronous; each call first clears what the
 * previous one set). With it a ticket's work on the rules is in proportion to the items it matched,
 * not to the size of the policy.
 */
interface RuleIndex {
  /** The requirements an item satisfies: rule (index in policy.rules) and requirement (numbered across rules). */
  readonly reqStart: Int32Array;
  readonly reqRule: Int32Array;
  readonly reqId: Int32Array;
  /** The rules an item rules out (their `none`). */
  readonly banStart: Int32Array;
  readonly banRule: Int32Array;
  /** An item's places in rule.items: rule and position (reasons list matches in that order). */
  readonly posStart: Int32Array;
  readonly posRule: Int32Array;
  readonly posAt: Int32Array;
  /** A rule's index in policy.rules. */
  readonly ruleNo: ReadonlyMap<CompiledRule, number>;
  // Scratch for one ticket.
  readonly slot: Int32Array;
  readonly hitField: string[];
  readonly hitValue: string[];
  readonly hitItem: number[];
  /** How many of hitField/hitValue/hitItem the current ticket filled. */
  hits: number;
  /** 1 when requirement reqId is met; reqMet[0 .. nMet) lists those set. */
  readonly reqHit: Uint8Array;
  readonly reqMet: number[];
  nMet: number;
  /** Per rule: requirements met, and 1 when a forbidden item matched. */
  readonly met: Int32Array;
  readonly banned: Uint8Array;
  readonly positions: number[];
  /** Per category: the sum of the fired rules' weights, 1 when one fired, their top priority. */
  readonly scores: Float64Array;
  readonly fired: Uint8Array;
  readonly topPriority: Float64Array;
}

const ruleIndexes = new WeakMap<CompiledPolicy, RuleIndex>();

/** Lists of (rule, value) pairs per item, flattened: start[item] .. start[item + 1] in rule/value. */
function itemLists(
  nItems: number,
  rules: readonly CompiledRule[],
  each: (rule: CompiledRule, r: number, add: (item: number, value: number) => void) => void,
): { start: Int32Array; rule: Int32Array; value: Int32Array } {
  const count = new Int32Array(nItems + 1);
  rules.forEach((rule, r) => each(rule, r, (item) => count[item + 1]!++));
  for (let i = 0; i < nItems; i++) count[i + 1] = count[i + 1]! + count[i]!;
  const start = count.slice();
  const fill = count.slice();
  const ruleOf = new Int32Array(count[nItems]!);
  const valueOf = new Int32Array(count[nItems]!);
  rules.forEach((rule, r) =>
    each(rule, r, (item, value) => {
      const at = fill[item]!++;
      ruleOf[at] = r;
      valueOf[at] = value;
    }),
  );
  return { start, rule: ruleOf, value: valueOf };
}

function ruleIndexOf(policy: CompiledPolicy): RuleIndex {
  let index = ruleIndexes.get(policy);
  if (index !== undefined) return index;
  const nItems = policy.items.length;
  let nReqs = 0;
  const reqBase = policy.rules.map((rule) => {
    const base = nReqs;
    nReqs += rule.requirements.length;
    return base;
  });
  const reqs = itemLists(nItems, policy.rules, (rule, r, add) =>
    rule.requirements.forEach((req, q) => {
      for (const id of req) add(id, reqBase[r]! + q);
    }),
  );
  const bans = itemLists(nItems, policy.rules, (rule, _r, add) => {
    for (const id of rule.forbidden) add(id, 0);
  });
  const places = itemLists(nItems, policy.rules, (rule, _r, add) =>
    rule.items.forEach((id, at) => add(id, at)),
  );
  index = {
    reqStart: reqs.start,
    reqRule: reqs.rule,
    reqId: reqs.value,
    banStart: bans.start,
    banRule: bans.rule,
    posStart: places.start,
    posRule: places.rule,
    posAt: places.value,
    ruleNo: new Map(policy.rules.map((rule, r) => [rule, r] as const)),
    slot: new Int32Array(nItems),
    hitField: [],
    hitValue: [],
    hitItem: [],
    hits: 0,
    reqHit: new Uint8Array(nReqs),
    reqMet: [],
    nMet: 0,
    met: new Int32Array(policy.rules.length),
    banned: new Uint8Array(policy.rules.length),
    positions: [],
    scores: new Float64Array(CATEGORY_IDS.length),
    fired: new Uint8Array(CATEGORY_IDS.length),
    topPriority: new Float64Array(CATEGORY_IDS.length),
  };
  ruleIndexes.set(policy, index);
  return index;
}

/** Clears what the previous ticket left in the scratch arrays. */
function clearScratch(index: RuleIndex): void {
  for (let k = 0; k < index.hits; k++) index.slot[index.hitItem[k]!] = 0;
  for (let k = 0; k < index.nMet; k++) index.reqHit[index.reqMet[k]!] = 0;
  index.hits = 0;
  index.nMet = 0;
  index.met.fill(0);
  index.banned.fill(0);
  index.scores.fill(0);
  index.fired.fill(0);
  index.topPriority.fill(-Infinity);
}

/**
 * Counts, per rule, the requirements the matched items meet and marks the rules a forbidden item
 * rules out; a rule's items allow it when it is not ruled out and all its requirements are met.
 */
function countRequirements(index: RuleIndex): void {
  const { reqStart, reqRule, reqId, banStart, banRule, reqHit, reqMet, met, banned } = index;
  let nMet = 0;
  for (let k = 0; k < index.hits; k++) {
    const item = index.hitItem[k]!;
    for (let j = reqStart[item]!; j < reqStart[item + 1]!; j++) {
      const q = reqId[j]!;
      if (reqHit[q] !== 0) continue;
      reqHit[q] = 1;
      reqMet[nMet++] = q;
      met[reqRule[j]!]!++;
    }
    for (let j = banStart[item]!; j < banStart[item + 1]!; j++) banned[banRule[j]!] = 1;
  }
  index.nMet = nMet;
}

/** True when every equals/in test of the rule holds; folded field values are kept in foldedFields. */
function fieldTestsMet(rule: CompiledRule, ticket: HeatRecord, foldedFields: Map<string, string>): boolean {
  for (const test of rule.fieldTests) {
    let value = foldedFields.get(test.field);
    if (value === undefined) {
      const raw = ticket[test.field];
      value = typeof raw === 'string' || typeof raw === 'number' ? foldText(String(raw)).trim() : '';
      foldedFields.set(test.field, value);
    }
    if (!test.values.has(value)) return false;
  }
  return true;
}

/**
 * Fires the rules whose items and field tests are met: adds them to firedRules and their weights and
 * priorities to the per-category arrays. Returns the folded field values the tests read (null: none).
 */
function fireRules(
  ticket: HeatRecord,
  policy: CompiledPolicy,
  index: RuleIndex,
  scores: Float64Array,
  fired: Uint8Array,
  topPriority: Float64Array,
  firedRules: CompiledRule[],
): Map<string, string> | null {
  let foldedFields: Map<string, string> | null = null;
  countRequirements(index);
  const rules = policy.rules;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    // No forbidden item matched and every requirement has a matched item.
    if (index.banned[r] !== 0 || index.met[r] !== rule.requirements.length) continue;
    if (rule.fieldTests.length > 0) {
      foldedFields ??= new Map();
      if (!fieldTestsMet(rule, ticket, foldedFields)) continue;
    }
    firedRules.push(rule);
    const c = rule.categoryIndex;
    scores[c] = scores[c]! + rule.weight;
    fired[c] = 1;
    if (rule.priority > topPriority[c]!) topPriority[c] = rule.priority;
  }
  return foldedFields;
}

/** Higher score, then higher rule priority, then the order of CATEGORY_IDS: deterministic. */
function betterCategory(scores: Float64Array, topPriority: Float64Array, a: number, b: number): boolean {
  return (
    scores[a]! > scores[b]! ||
    (scores[a] === scores[b] &&
      (topPriority[a]! > topPriority[b]! || (topPriority[a] === topPriority[b] && a < b)))
  );
}

/** The best category that fired (other than `except`), or -1; restrictedOnly: restricted ones at the threshold. */
function bestCategory(
  policy: CompiledPolicy,
  scores: Float64Array,
  fired: Uint8Array,
  topPriority: Float64Array,
  except: number,
  restrictedOnly: boolean,
): number {
  let best = -1;
  for (let c = 0; c < CATEGORY_IDS.length; c++) {
    if (fired[c] === 0 || c === except) continue;
    if (restrictedOnly && !(policy.restricted.has(CATEGORY_IDS[c]!) && scores[c]! >= policy.threshold))
      continue;
    if (best === -1 || betterCategory(scores, topPriority, c, best)) best = c;
  }
  return best;
}

/** The fired rule that names the winner: highest weight, then priority, then first in the file. */
function strongestRule(firedRules: readonly CompiledRule[], winnerIndex: number): CompiledRule {
  let strongest: CompiledRule | null = null;
  for (const r of firedRules) {
    if (r.categoryIndex !== winnerIndex) continue;
    if (
      strongest === null ||
      r.weight > strongest.weight ||
      (r.weight === strongest.weight &&
        (r.priority > strongest.priority || (r.priority === strongest.priority && r.order < strongest.order)))
    ) {
      strongest = r;
    }
  }
  return strongest!;
}

/**
 * One fired rule's reason: the policy words that matched (at most MAX_MATCHES_PER_REASON), in the order
 * of rule.items. Only the ticket's matched items are visited: their places in the rule, sorted.
 */
function reasonOf(
  rule: CompiledRule,
  r: number,
  policy: CompiledPolicy,
  index: RuleIndex,
  foldedFields: Map<string, string> | null,
): Reason {
  const { slot, hitField, hitValue, posStart, posRule, posAt } = index;
  const positions = index.positions;
  positions.length = 0;
  for (let h = 0; h < index.hits; h++) {
    const item = index.hitItem[h]!;
    for (let j = posStart[item]!; j < posStart[item + 1]!; j++) {
      if (posRule[j] !== r) continue;
      // Insertion into the sorted list (a ticket matches few items of a rule).
      const at = posAt[j]!;
      let k = positions.length;
      positions.push(at);
      while (k > 0 && positions[k - 1]! > at) {
        positions[k] = positions[k - 1]!;
        k--;
      }
      positions[k] = at;
    }
  }
  const matches: Match[] = [];
  for (const at of positions) {
    const id = rule.items[at]!;
    const s = slot[id]!;
    const kind = policy.items[id]!.kind;
    const field = hitField[s - 1]!;
    const value = hitValue[s - 1]!;
    // One rule may list the same word twice (a term and its synonym group): show it once.
    let shown = false;
    for (const m of matches) if (m.field === field && m.value === value) shown = true;
    if (!shown && matches.length < MAX_MATCHES_PER_REASON) matches.push({ field, kind, value });
  }
  for (const test of rule.fieldTests) {
    // The rule fired, so every field test met: show the one policy value the ticket's field matched.
    const folded = foldedFields?.get(test.field) ?? '';
    if (matches.length < MAX_MATCHES_PER_REASON)
      matches.push({ field: test.field, kind: test.kind, value: test.values.get(folded) ?? folded });
  }
  return { ruleId: rule.id, category: rule.category, weight: rule.weight, matches };
}

/** The rules alone (the policy's words): the first stage of classifyTicket. */
export function classifyByRules(
  ticket: HeatRecord,
  policy: CompiledPolicy,
  normaliser: TextNormaliser = policy.normaliser,
): Decision {
  const index = ruleIndexOf(policy);
  clearScratch(index);
  matchItems(ticket, policy, normaliser, index);

  const { scores, fired, topPriority } = index;
  const firedRules: CompiledRule[] = [];
  const foldedFields = fireRules(ticket, policy, index, scores, fired, topPriority, firedRules);

  const best = bestCategory(policy, scores, fired, topPriority, -1, false);
  // The restricted guarantee: a restricted category that reaches the threshold wins, whatever else scored.
  const bestRestricted = bestCategory(policy, scores, fired, topPriority, -1, true);
  const winnerIndex =
    bestRestricted !== -1 ? bestRestricted : best !== -1 && scores[best]! >= policy.threshold ? best : -1;
  const runnerIndex = bestCategory(policy, scores, fired, topPriority, winnerIndex, false);
  const runnerUp: CategoryScore | null =
    runnerIndex === -1 ? null : { category: CATEGORY_IDS[runnerIndex]!, score: round3(scores[runnerIndex]!) };

  let category: CategoryId;
  let ruleId: string;
  let confidence: number;
  let winner: CategoryScore;
  if (winnerIndex === -1) {
    category = 'unclassified';
    ruleId = 'threshold';
    const top = best === -1 ? 0 : Math.max(0, scores[best]!);
    confidence = round3(1 - Math.min(1, top / policy.threshold));
    winner = { category, score: 0 };
  } else {
    category = CATEGORY_IDS[winnerIndex]!;
    ruleId = strongestRule(firedRules, winnerIndex).id;
    confidence = confidenceOf(scores[winnerIndex]!, runnerUp?.score ?? null, policy.threshold);
    winner = { category, score: round3(scores[winnerIndex]!) };
  }

  // The winner's rules first, then by weight, then by their order in the file (a total order: each
  // rule has its own place), by insertion (a ticket fires few rules).
  const before = (a: CompiledRule, b: CompiledRule): boolean => {
    const aw = a.categoryIndex === winnerIndex ? 0 : 1;
    const bw = b.categoryIndex === winnerIndex ? 0 : 1;
    return (aw - bw || b.weight - a.weight || a.order - b.order) < 0;
  };
  const ordered: CompiledRule[] = [];
  for (const rule of firedRules) {
    let k = ordered.length;
    ordered.push(rule);
    while (k > 0 && before(rule, ordered[k - 1]!)) {
      ordered[k] = ordered[k - 1]!;
      k--;
    }
    ordered[k] = rule;
  }
  const reasons: Reason[] = ordered.map((rule) =>
    reasonOf(rule, index.ruleNo.get(rule)!, policy, index, foldedFields),
  );

  return {
    category,
    scope: CATEGORY_SCOPES[category],
    ruleId,
    confidence,
    restricted: policy.restricted.has(category),
    policyVersion: policy.policyVersion,
    reasons,
    winner,
    runnerUp,
  };
}

/** How many of the model's most probable categories the evidence shows. */
const TOP_SHOWN = 3;
/** Scratch for topProbabilities (synchronous). */
const TOP_CATEGORIES: CategoryId[] = [];
const TOP_VALUES: number[] = [];

/**
 * The TOP_SHOWN most probable categories with a positive probability, most probable first, rounded;
 * equal probabilities in the order of the record's keys (what a stable sort of its entries gives).
 */
function topProbabilities(
  p: Record<CategoryId, number>,
): Array<{ category: CategoryId; probability: number }> {
  const cats: CategoryId[] = TOP_CATEGORIES;
  const probs: number[] = TOP_VALUES;
  cats.length = 0;
  probs.length = 0;
  for (const category in p) {
    const v = p[category as CategoryId];
    if (!(v > 0) || (cats.length === TOP_SHOWN && v <= probs[TOP_SHOWN - 1]!)) continue;
    let at = cats.length < TOP_SHOWN ? cats.length : TOP_SHOWN - 1;
    cats[at] = category as CategoryId;
    probs[at] = v;
    while (at > 0 && probs[at - 1]! < v) {
      cats[at] = cats[at - 1]!;
      probs[at] = probs[at - 1]!;
      at--;
    }
    cats[at] = category as CategoryId;
    probs[at] = v;
  }
  return cats.map((category, i) => ({ category, probability: round3(probs[i]!) }));
}

/** The largest positive probability, or 0. */
function topProbability(p: Record<CategoryId, number>): number {
  let top = 0;
  for (const category in p) {
    const v = p[category as CategoryId];
    if (v > top) top = v;
  }
  return top;
}

/** Sum of the weights of the rules of `category` that fired. */
function ruleScore(decision: Decision, category: CategoryId): number {
  let score = 0;
  for (const r of decision.reasons) if (r.category === category) score += r.weight;
  return score;
}

/**
 * The second and third stages (docs/model.md):
 * 1. a restricted category the rules reached the threshold for wins (the restricted guarantee);
 * 2. the rules decide when their confidence reaches `ruleAuthority` and the model gives their category
 *    at least `modelVeto`; a move to another team goes to review instead when the model gives the
 *    technicians' scope at least `conflictReview` and more than the rules' category (unless the rules'
 *    score for the move reaches three times the threshold);
 * 3. otherwise the model's most probable category, or needs_review below `minProbability`;
 * 4. the gradebook guard: a ticket that would stay in scope while the model gives gradebook_admin at
 *    least `gradebookFloor`, or while any gradebook rule fired, goes to the gradebook managers (at
 *    `gradebookStrong`, or when a rule fired) or to review; never to a technician.
 */
function combineWithModel(
  rules: Decision,
  ticket: HeatRecord,
  policy: CompiledPolicy,
  model: LinearModel,
  settings: ModelSettings,
  normaliser: TextNormaliser,
): Decision {
  const prediction = predictTicket(model, ticket, normaliser, policy.bodyFields);
  const p = prediction.probabilities;
  const ranked = topProbabilities(p);
  const gradebookP = p.gradebook_admin;
  const evidence = {
    version: model.hash,
    top: ranked,
    gradebookProbability: round3(gradebookP),
    strongest: prediction.strongest,
  };

  // Hardware and software access both stay with the technicians: their sum is the scope's probability.
  const inScope = p.hardware + p.software_access;
  const gradebookScore = ruleScore(rules, 'gradebook_admin');
  let category: CategoryId;
  let decidedBy: 'rules' | 'model' | 'guard';
  let ruleId = rules.ruleId;
  // Strong restricted evidence (a rule score of twice the threshold: an explicit grading ask) is ruled
  // out only by a model that is all but certain (a fifth of the veto); a mere mention by the veto.
  const restrictedVeto = (category: CategoryId): number =>
    ruleScore(rules, category) >= 2 * policy.threshold ? settings.modelVeto / 5 : settings.modelVeto;
  if (
    rules.restricted &&
    rules.category !== 'unclassified' &&
    p[rules.category] >= restrictedVeto(rules.category)
  ) {
    category = rules.category;
    decidedBy = 'rules';
  } else if (
    rules.category !== 'unclassified' &&
    rules.confidence >= settings.ruleAuthority &&
    p[rules.category] >= settings.modelVeto
  ) {
    category = rules.category;
    decidedBy = 'rules';
    // Rules that would move a ticket to another team while the model reads it as the technicians' own
    // work (a "fax" or an "extension" in a hardware ticket) are in conflict: a person decides. Strong
    // rule evidence for the move (a score of three times the threshold: a phone, its cord and its
    // calls) keeps it: there the model, not the rules, is the one misreading the ticket.
    if (
      settings.conflictReview < 1 &&
      CATEGORY_SCOPES[category] === 'out_of_scope' &&
      inScope >= settings.conflictReview &&
      inScope > p[category] &&
      ruleScore(rules, category) < 3 * policy.threshold
    ) {
      category = 'unclassified';
      decidedBy = 'model';
      ruleId = 'rules-model-conflict';
    }
  } else {
    // The scope's probability competes with each other category as one (a ticket the model splits
    // between the two is still the technicians' when together they outweigh any other single choice).
    let top = prediction.top;
    if (CATEGORY_SCOPES[top] !== 'in_scope' && inScope > p[top])
      top = p.hardware >= p.software_access ? 'hardware' : 'software_access';
    const min = settings.minProbability[top] ?? settings.minProbability.default ?? 0;
    const sure = CATEGORY_SCOPES[top] === 'in_scope' ? inScope : p[top];
    category = sure >= min ? top : 'unclassified';
    // Grading work the model ranks first is never in scope from the floor up (the guard's own bar). It
    // goes to the gradebook managers when a gradebook rule fired too or the model reaches
    // gradebookStrong; below that, on the model's word alone (n-grams of "Belgrade" or "upgrade"), to
    // review.
    if (prediction.top === 'gradebook_admin' && gradebookP >= settings.gradebookFloor)
      category =
        gradebookP >= settings.gradebookStrong || gradebookScore > 0 ? 'gradebook_admin' : 'unclassified';
    decidedBy = 'model';
    ruleId = category === 'unclassified' ? 'model-low-confidence' : 'model';
  }

  // The guard reads tickets that would stay in scope, and tickets the model alone would send to another
  // team (grading work mistaken for application support or a spreadsheet). Gradebook rules that fired
  // count as gradebook evidence unless the model rules gradebook out (below modelVeto, e.g. the grades
  // office's printer); that veto only protects technician work, so it does not apply to a ticket the
  // model sends out of scope, nor to strong rule evidence (a score of twice the threshold: an explicit
  // grading ask, which no model probability may hand to a technician). The model's own probability
  // counts from the floor up.
  const guarded =
    CATEGORY_SCOPES[category] === 'in_scope' ||
    (decidedBy === 'model' && CATEGORY_SCOPES[category] === 'out_of_scope');
  const gradebookRules =
    gradebookScore > 0 &&
    (gradebookP >= restrictedVeto('gradebook_admin') ||
      CATEGORY_SCOPES[category] === 'out_of_scope' ||
      gradebookScore >= 2 * policy.threshold);
  if (guarded && (gradebookP >= settings.gradebookFloor || gradebookRules)) {
    category = gradebookP >= settings.gradebookStrong || gradebookRules ? 'gradebook_admin' : 'unclassified';
    decidedBy = 'guard';
    ruleId = category === 'gradebook_admin' ? 'gradebook-guard' : 'gradebook-guard-review';
  }

  // The calibrated probability of what was decided (for needs_review: of the model's own top choice not
  // being trusted, i.e. 1 - its top probability).
  const confidence =
    category === 'unclassified' && decidedBy !== 'rules'
      ? round3(1 - topProbability(p))
      : round3(Math.max(p[category], decidedBy === 'rules' ? rules.confidence : 0));
  const decision: WholeDecision = {
    category,
    scope: CATEGORY_SCOPES[category],
    ruleId,
    confidence,
    restricted: policy.restricted.has(category),
    policyVersion: rules.policyVersion,
    reasons: rules.reasons,
    winner: rules.winner,
    runnerUp: rules.runnerUp,
    decidedBy,
    model: evidence,
  };
  return decision;
}
