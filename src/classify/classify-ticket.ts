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
    return { ...classifyByRules(ticket, policy), decidedBy: 'rules' };
  // Rules and model read the same normalised fields: normalise each once.
  const normaliser = onceEach(policy.normaliser);
  const byRules = classifyByRules(ticket, policy, normaliser);
  return combineWithModel(byRules, ticket, policy, policy.model, policy.modelSettings, normaliser);
}

/** A normaliser that remembers its answers for one ticket (the same value and body flag). */
function onceEach(normaliser: TextNormaliser): TextNormaliser {
  const seen = new Map<unknown, [NormalisedText | undefined, NormalisedText | undefined]>();
  return {
    normalise(value: unknown, body: boolean): NormalisedText {
      let entry = seen.get(value);
      if (entry === undefined) {
        entry = [undefined, undefined];
        seen.set(value, entry);
      }
      const slot = body ? 1 : 0;
      return (entry[slot] ??= normaliser.normalise(value, body));
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
 * Finds the policy items the ticket's fields match. slot[item] = 1 + index into hitField/hitValue
 * (the field and policy word of its first match) when the item matched; 0 otherwise.
 */
function matchItems(
  ticket: HeatRecord,
  policy: CompiledPolicy,
  normaliser: TextNormaliser,
  slot: Int32Array,
  hitField: string[],
  hitValue: string[],
): void {
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
        hitField.push(field.name);
        hitValue.push(e.variant);
        slot[e.item] = hitField.length;
      }
    }
    for (const p of field.patterns) {
      if (slot[p.item] !== 0) continue;
      if (p.re.test(text.folded)) {
        hitField.push(field.name);
        hitValue.push(policy.items[p.item]!.value);
        slot[p.item] = hitField.length;
      }
    }
  }
}

/** True when no forbidden item matched and every requirement has a matched item. */
function itemsAllowRule(rule: CompiledRule, slot: Int32Array): boolean {
  for (const id of rule.forbidden) {
    if (slot[id] !== 0) return false;
  }
  for (const req of rule.requirements) {
    let any = false;
    for (const id of req) {
      if (slot[id] !== 0) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
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
  slot: Int32Array,
  scores: Float64Array,
  fired: Uint8Array,
  topPriority: Float64Array,
  firedRules: CompiledRule[],
): Map<string, string> | null {
  let foldedFields: Map<string, string> | null = null;
  for (const rule of policy.rules) {
    if (!itemsAllowRule(rule, slot)) continue;
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

/** One fired rule's reason: the policy words that matched (at most MAX_MATCHES_PER_REASON). */
function reasonOf(
  rule: CompiledRule,
  policy: CompiledPolicy,
  slot: Int32Array,
  hitField: readonly string[],
  hitValue: readonly string[],
  foldedFields: Map<string, string> | null,
): Reason {
  const matches: Match[] = [];
  for (const id of rule.items) {
    const s = slot[id]!;
    if (s === 0) continue;
    const kind = policy.items[id]!.kind;
    const match = { field: hitField[s - 1]!, kind, value: hitValue[s - 1]! };
    // One rule may list the same word twice (a term and its synonym group): show it once.
    const shown = matches.some((m) => m.field === match.field && m.value === match.value);
    if (!shown && matches.length < MAX_MATCHES_PER_REASON) matches.push(match);
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
  const slot = new Int32Array(policy.items.length);
  const hitField: string[] = [];
  const hitValue: string[] = [];
  matchItems(ticket, policy, normaliser, slot, hitField, hitValue);

  const scores = new Float64Array(CATEGORY_IDS.length);
  const fired = new Uint8Array(CATEGORY_IDS.length);
  const topPriority = new Float64Array(CATEGORY_IDS.length).fill(-Infinity);
  const firedRules: CompiledRule[] = [];
  const foldedFields = fireRules(ticket, policy, slot, scores, fired, topPriority, firedRules);

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

  const reasons: Reason[] = firedRules
    .slice()
    .sort((a, b) => {
      const aw = a.categoryIndex === winnerIndex ? 0 : 1;
      const bw = b.categoryIndex === winnerIndex ? 0 : 1;
      return aw - bw || b.weight - a.weight || a.order - b.order;
    })
    .map((rule) => reasonOf(rule, policy, slot, hitField, hitValue, foldedFields));

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
 *    at least `modelVeto`;
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
  const ranked = (Object.entries(p) as Array<[CategoryId, number]>)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
  const gradebookP = p.gradebook_admin;
  const evidence = {
    version: model.hash,
    top: ranked
      .slice(0, 3)
      .map(([category, probability]) => ({ category, probability: round3(probability) })),
    gradebookProbability: round3(gradebookP),
    strongest: prediction.strongest,
  };

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
  } else {
    // Hardware and software access both stay with the technicians: the scope's probability is their
    // sum, and it competes with each other category as one (a ticket the model splits between the two
    // is still the technicians' when together they outweigh any other single choice).
    const inScope = p.hardware + p.software_access;
    let top = prediction.top;
    if (CATEGORY_SCOPES[top] !== 'in_scope' && inScope > p[top])
      top = p.hardware >= p.software_access ? 'hardware' : 'software_access';
    const min = settings.minProbability[top] ?? settings.minProbability.default ?? 0;
    const sure = CATEGORY_SCOPES[top] === 'in_scope' ? inScope : p[top];
    category = sure >= min ? top : 'unclassified';
    // Grading work the model ranks first goes to the gradebook managers from the floor up (not to
    // review): the floor is the guard's own bar for "never in scope".
    if (prediction.top === 'gradebook_admin' && gradebookP >= settings.gradebookFloor)
      category = 'gradebook_admin';
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
  const gradebookScore = ruleScore(rules, 'gradebook_admin');
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
      ? round3(1 - (ranked[0]?.[1] ?? 0))
      : round3(Math.max(p[category], decidedBy === 'rules' ? rules.confidence : 0));
  return {
    ...rules,
    category,
    scope: CATEGORY_SCOPES[category],
    restricted: policy.restricted.has(category),
    ruleId,
    confidence,
    decidedBy,
    model: evidence,
  };
}
