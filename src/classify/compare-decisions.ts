import { CATEGORY_IDS, type CategoryId, type Decision, type HeatRecord } from '../domain/index.js';
import { classifyTicket } from './classify-ticket.js';
import type { CompiledPolicy } from './compile-policy.js';

export interface CategoryMove {
  category: CategoryId;
  before: number;
  after: number;
  delta: number;
}

export interface DecisionChange {
  index: number;
  recId: string | null;
  incidentNumber: number | string | null;
  before: { category: CategoryId; ruleId: string; confidence: number };
  after: { category: CategoryId; ruleId: string; confidence: number };
  /** true when the ticket leaves or enters the technicians' scope or the restricted category. */
  scopeChanged: boolean;
}

export interface DecisionComparison {
  total: number;
  changed: number;
  moves: CategoryMove[];
  changes: DecisionChange[];
}

/** Compares two policies' decisions on the same tickets (for `replay`): counts per category and the tickets that change category. */
export function compareDecisions(
  tickets: readonly HeatRecord[],
  before: CompiledPolicy,
  after: CompiledPolicy,
): DecisionComparison {
  const counts = new Map<CategoryId, { before: number; after: number }>(
    CATEGORY_IDS.map((c) => [c, { before: 0, after: 0 }]),
  );
  const changes: DecisionChange[] = [];
  tickets.forEach((ticket, index) => {
    const a: Decision = classifyTicket(ticket, before);
    const b: Decision = classifyTicket(ticket, after);
    counts.get(a.category)!.before++;
    counts.get(b.category)!.after++;
    if (a.category !== b.category) {
      const recId = ticket['RecId'];
      const number = ticket['IncidentNumber'];
      changes.push({
        index,
        recId: typeof recId === 'string' ? recId : null,
        incidentNumber: typeof number === 'number' || typeof number === 'string' ? number : null,
        before: { category: a.category, ruleId: a.ruleId, confidence: a.confidence },
        after: { category: b.category, ruleId: b.ruleId, confidence: b.confidence },
        scopeChanged: a.scope !== b.scope,
      });
    }
  });
  const moves = CATEGORY_IDS.map((category) => {
    const c = counts.get(category)!;
    return { category, before: c.before, after: c.after, delta: c.after - c.before };
  });
  return { total: tickets.length, changed: changes.length, moves, changes };
}
