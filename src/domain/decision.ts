import type { CategoryId, ScopeId } from './categories.js';

/** One piece of evidence: a term, phrase, pattern or field test that matched, and where. */
export interface Match {
  field: string;
  kind: 'term' | 'phrase' | 'pattern' | 'equals' | 'in';
  /** The policy's term/phrase/pattern (never ticket text beyond the matched policy word). */
  value: string;
}

/** A rule that fired, with its contribution to its category's score. */
export interface Reason {
  ruleId: string;
  category: CategoryId;
  weight: number;
  matches: Match[];
}

export interface CategoryScore {
  category: CategoryId;
  score: number;
}

/**
 * The classifier's verdict for one ticket under one policy version. Pure data: the same ticket and the
 * same policy always give the same Decision.
 */
export interface Decision {
  category: CategoryId;
  scope: ScopeId;
  /** The id of the strongest rule of the winning category ("threshold" when nothing reached it). */
  ruleId: string;
  /** 0..1 */
  confidence: number;
  restricted: boolean;
  policyVersion: string;
  reasons: Reason[];
  winner: CategoryScore;
  runnerUp: CategoryScore | null;
  /**
   * Who decided: the rules alone (no model, or rules confident), the model (rules silent, weak or
   * ruled out), or the gradebook guard (kept a ticket with gradebook evidence out of scope).
   */
  decidedBy?: 'rules' | 'model' | 'guard';
  /** The learned model's view, when the policy has a model. */
  model?: ModelEvidence;
}

/** What the learned model said about a ticket (probabilities are calibrated). */
export interface ModelEvidence {
  /** Content hash of the model file. */
  version: string;
  /** The most probable categories, highest first (at most three). */
  top: Array<{ category: CategoryId; probability: number }>;
  /** Probability of gradebook_admin (what the guard looks at). */
  gradebookProbability: number;
  /** The model features that pushed its top category most (model vocabulary, not ticket text). */
  strongest: Array<{ feature: string; weight: number }>;
}
