import {
  CATEGORY_IDS,
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
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

/**
 * Runs the policy over labelled tickets. A ticket is right when the decided category is in its `expect`
 * list. Per-category figures use the effective label (the decision when acceptable, else expect[0]).
 */
export function evaluateCorpus(tickets: readonly LabelledTicket[], policy: CompiledPolicy): EvaluationReport {
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
    const decision: Decision = classifyTicket(ticket, policy);
    const expect = ticket.expect;
    const ok = expect.includes(decision.category);
    if (ok) correct++;
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
  };
}
