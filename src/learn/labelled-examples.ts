import { ticketFeatures, type CompiledPolicy, type LabelledTicket } from '../classify/index.js';
import type { FeatureSettings } from '../config/index.js';
import { isCategoryId, type CategoryId } from '../domain/index.js';
import type { TrainingExample } from './train-linear-model.js';

/** Labelled tickets as training examples, read through the policy's normaliser; `weight` per source. */
export function examplesFromLabelled(
  tickets: readonly LabelledTicket[],
  policy: Pick<CompiledPolicy, 'normaliser' | 'bodyFields'>,
  features: FeatureSettings,
  weight = 1,
): TrainingExample[] {
  return tickets.map((t) => ({
    features: ticketFeatures(t, policy.normaliser, features, policy.bodyFields),
    labels: t.expect.filter(isCategoryId) as CategoryId[],
    weight,
  }));
}
