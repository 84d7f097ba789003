import { createHash } from 'node:crypto';
import type { Decision } from '../domain/index.js';

/** Confidence as stored in HEAT: two decimals, so float noise never changes a fingerprint or costs a write. */
export function roundConfidence(confidence: number): number {
  return Math.round(confidence * 100) / 100;
}

/**
 * A stable short hash of what a decision means for HEAT: category, scope, rule, rounded confidence,
 * restriction, policy version and the team the policy sends it to. Written to SBT_DecisionHash, so a
 * ticket that already carries the fingerprint of the decision its content produces needs no write, and
 * used as the marker of our journal note so that a retry can find a note it already wrote.
 * 12 hex characters (48 bits): collisions only matter between two decisions for the same ticket.
 */
export function decisionFingerprint(decision: Decision, destination: string | null): string {
  // Few distinct decisions (categories x scopes x rules x confidences x teams): the hash of each is
  // kept, so a ticket costs a JSON.stringify and a lookup instead of a SHA-256.
  const canonical = JSON.stringify([
    'v1',
    decision.category,
    decision.scope,
    decision.ruleId,
    roundConfidence(decision.confidence),
    decision.restricted,
    decision.policyVersion,
    destination ?? null,
  ]);
  let fingerprint = fingerprints.get(canonical);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256').update(canonical).digest('hex').slice(0, 12);
    if (fingerprints.size >= MAX_KEPT) fingerprints.clear();
    fingerprints.set(canonical, fingerprint);
  }
  return fingerprint;
}

const MAX_KEPT = 10_000;
const fingerprints = new Map<string, string>();
