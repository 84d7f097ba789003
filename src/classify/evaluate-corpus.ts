import {
  CATEGORY_IDS,
  CATEGORY_SCOPES,
  isCategoryId,
  type CategoryId,
  type Decision,
  type HeatRecord,
  type Reason,
} from '../domain/index.js';
import { classifyTicket } from './classify-ticket.js';
import type { CompiledPolicy } from './compile-policy.js';

export type LabelledTicket = HeatRecord & { expect: string[] };

export interface CategoryFigures {
  category: CategoryId;
  /** Tickets whose effective label is this category. */
  support: number;
  predicted: number;
  truePositives: number;
  /** null when nothing was predicted / expected. */
  precision: number | null;
  recall: number | null;
}

export interface EvaluationMiss {
  index: number;
  recId: string | null;
  incidentNumber: number | string | null;
  expect: string[];
  got: CategoryId;
  ruleId: string;
  confidence: number;
  reasons: Reason[];
}

export interface EvaluationReport {
  total: number;
  correct: number;
  accuracy: number;
  perCategory: CategoryFigures[];
  /** confusion[expected][predicted] = count; the expected label is the prediction when it was acceptable, else expect[0]. */
  confusion: Record<CategoryId, Record<CategoryId, number>>;
  /** Tickets whose every acceptable category is restricted: share of them decided restricted (null when none). */
  restrictedRecall: number | null;
  /** Tickets decided restricted: share of them where a restricted category was acceptable (null when none). */
  restrictedPrecision: number | null;
  restrictedSupport: number;
  restrictedPredicted: number;
  misses: EvaluationMiss[];
  /** Accuracy per `lang` field value (tickets without one count as "-"). */
  byLanguage: Array<{ lang: string; total: number; correct: number; accuracy: number }>;
  /** Scope accuracy: the decided scope is the scope of an acceptable category. */
  scopeCorrect: number;
  scopeAccuracy: number;
  /** The two safety figures. */
  safety: {
    /** Tickets with gradebook_admin among their acceptable labels. */
    gradebookTickets: number;
    /** ... of those, decided gradebook_admin. */
    gradebookRecalled: number;
    /** ... of those, decided in scope (they would reach a technician): must be 0. */
    gradebookInScope: number;
    /** Tickets whose every acceptable label is in scope. */
    inScopeTickets: number;
    /** ... of those, decided out of scope, restricted or needs_review (technician work sent away). */
    inScopeSentAway: number;
  };
  /** Reliability table: decisions grouped by confidence, with how many were right. */
  calibration: Array<{ from: number; to: number; count: number; correct: number; meanConfidence: number }>;
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

/**
 * Runs the policy over labelled tickets. A ticket is right when the decided category is in its `expect`
 * list. Per-category figures use the effective label (the decision when acceptable, else expect[0]).
 */
export function evaluateCorpus(tickets: readonly LabelledTicket[], policy: CompiledPolicy): EvaluationReport {
  return evaluateDecisions(
    tickets,
    tickets.map((t) => classifyTicket(t, policy)),
    policy.restricted,
  );
}

const CALIBRATION_EDGES = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001];

/** Figures of decisions already made (e.g. out-of-fold decisions of a cross-validation). */
export function evaluateDecisions(
  tickets: readonly LabelledTicket[],
  decisions: readonly Decision[],
  restrictedSet: ReadonlySet<CategoryId>,
): EvaluationReport {
  const policy = { restricted: restrictedSet };
  const langs = new Map<string, { total: number; correct: number }>();
  const safety = {
    gradebookTickets: 0,
    gradebookRecalled: 0,
    gradebookInScope: 0,
    inScopeTickets: 0,
    inScopeSentAway: 0,
  };
  let scopeCorrect = 0;
  const bins = CALIBRATION_EDGES.slice(0, -1).map((from, i) => ({
    from,
    to: Math.min(1, CALIBRATION_EDGES[i + 1]!),
    count: 0,
    correct: 0,
    sum: 0,
  }));
  const confusion = Object.fromEntries(
    CATEGORY_IDS.map((e) => [e, Object.fromEntries(CATEGORY_IDS.map((p) => [p, 0]))]),
  ) as Record<CategoryId, Record<CategoryId, number>>;
  const misses: EvaluationMiss[] = [];
  let correct = 0;
  let restrictedSupport = 0;
  let restrictedRecalled = 0;
  let restrictedPredicted = 0;
  let restrictedPredictedRight = 0;

  tickets.forEach((ticket, index) => {
    const decision: Decision = decisions[index]!;
    const expect = ticket.expect;
    const ok = expect.includes(decision.category);
    if (ok) correct++;
    const lang = typeof ticket['lang'] === 'string' ? ticket['lang'] : '-';
    const l = langs.get(lang) ?? { total: 0, correct: 0 };
    l.total++;
    if (ok) l.correct++;
    langs.set(lang, l);
    const scopes = expect.filter(isCategoryId).map((c) => CATEGORY_SCOPES[c]);
    if (scopes.includes(decision.scope)) scopeCorrect++;
    if (expect.includes('gradebook_admin')) {
      safety.gradebookTickets++;
      if (decision.category === 'gradebook_admin') safety.gradebookRecalled++;
      if (decision.scope === 'in_scope') safety.gradebookInScope++;
    }
    if (scopes.length > 0 && scopes.every((sc) => sc === 'in_scope')) {
      safety.inScopeTickets++;
      if (decision.scope !== 'in_scope') safety.inScopeSentAway++;
    }
    const bin = bins.find(
      (b) => decision.confidence >= b.from && decision.confidence < (b.to === 1 ? 1.0001 : b.to),
    );
    if (bin) {
      bin.count++;
      bin.sum += decision.confidence;
      if (ok) bin.correct++;
    }
    const label = (ok ? decision.category : expect[0]) as CategoryId;
    if (confusion[label]) confusion[label][decision.category]++;
    const onlyRestricted = expect.length > 0 && expect.every((c) => policy.restricted.has(c as CategoryId));
    if (onlyRestricted) {
      restrictedSupport++;
      if (decision.restricted) restrictedRecalled++;
    }
    if (decision.restricted) {
      restrictedPredicted++;
      if (expect.some((c) => policy.restricted.has(c as CategoryId))) restrictedPredictedRight++;
    }
    if (!ok) {
      const recId = ticket['RecId'];
      const number = ticket['IncidentNumber'];
      misses.push({
        index,
        recId: typeof recId === 'string' ? recId : null,
        incidentNumber: typeof number === 'number' || typeof number === 'string' ? number : null,
        expect,
        got: decision.category,
        ruleId: decision.ruleId,
        confidence: decision.confidence,
        reasons: decision.reasons,
      });
    }
  });

  const perCategory: CategoryFigures[] = CATEGORY_IDS.map((category) => {
    const support = CATEGORY_IDS.reduce((n, p) => n + confusion[category][p], 0);
    const predicted = CATEGORY_IDS.reduce((n, e) => n + confusion[e][category], 0);
    const tp = confusion[category][category];
    return {
      category,
      support,
      predicted,
      truePositives: tp,
      precision: ratio(tp, predicted),
      recall: ratio(tp, support),
    };
  });

  return {
    total: tickets.length,
    correct,
    accuracy: tickets.length === 0 ? 0 : correct / tickets.length,
    perCategory,
    confusion,
    restrictedRecall: ratio(restrictedRecalled, restrictedSupport),
    restrictedPrecision: ratio(restrictedPredictedRight, restrictedPredicted),
    restrictedSupport,
    restrictedPredicted,
    misses,
    byLanguage: [...langs]
      .sort((a, b) => b[1].total - a[1].total)
      .map(([lang, v]) => ({ lang, total: v.total, correct: v.correct, accuracy: v.correct / v.total })),
    scopeCorrect,
    scopeAccuracy: tickets.length === 0 ? 0 : scopeCorrect / tickets.length,
    safety,
    calibration: bins
      .filter((b) => b.count > 0)
      .map((b) => ({
        from: b.from,
        to: b.to,
        count: b.count,
        correct: b.correct,
        meanConfidence: b.sum / b.count,
      })),
  };
}
