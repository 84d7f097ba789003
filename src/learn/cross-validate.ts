import {
  DEFAULT_FEATURE_SETTINGS,
  classifyTicket,
  compilePolicy,
  type LabelledTicket,
} from '../classify/index.js';
import { modelHashOf, modelSettingsSchema, type RoutingPolicyConfig } from '../config/index.js';
import type { Decision } from '../domain/index.js';
import { examplesFromLabelled } from './labelled-examples.js';
import {
  DEFAULT_TRAIN_SETTINGS,
  kFolds,
  trainLinearModel,
  type TrainSettings,
} from './train-linear-model.js';

export interface CrossValidationInput {
  /** The tickets scored: each is decided by a model that never saw it. */
  tickets: readonly LabelledTicket[];
  /** Tickets always in the training side (e.g. the project's own corpora), never scored. */
  alsoTrainOn?: readonly LabelledTicket[];
  routing: RoutingPolicyConfig;
  policyVersion: string;
  folds: number;
  seed?: number;
  train?: TrainSettings;
}

/**
 * k-fold cross-validation of the whole classifier (rules + model + guard): the tickets are split into
 * `folds` seeded folds; for each, a model is trained on the other folds (and `alsoTrainOn`) and the
 * fold is decided under the policy with that model. Returns one out-of-fold Decision per ticket.
 */
export function crossValidate(input: CrossValidationInput): Decision[] {
  if (input.folds < 2) throw new RangeError('cross-validation needs at least 2 folds');
  if (input.tickets.length < input.folds)
    throw new RangeError(`${input.tickets.length} tickets cannot make ${input.folds} folds`);
  const train = input.train ?? DEFAULT_TRAIN_SETTINGS;
  const routing = input.routing;
  const rulesOnly = compilePolicy({ ...routing, model: undefined }, input.policyVersion);
  const features = DEFAULT_FEATURE_SETTINGS;
  const extra = examplesFromLabelled(input.alsoTrainOn ?? [], rulesOnly, features);
  const all = examplesFromLabelled(input.tickets, rulesOnly, features);
  const decisions: Decision[] = new Array<Decision>(input.tickets.length);
  const withModel = withModelSettings(routing);
  for (const fold of kFolds(input.tickets.length, input.folds, input.seed ?? train.seed)) {
    const held = new Set(fold);
    const file = trainLinearModel([...all.filter((_, i) => !held.has(i)), ...extra], features, train);
    const hash = modelHashOf(JSON.stringify(file));
    const policy = compilePolicy(withModel, input.policyVersion, { file: 'routing.yaml' }, { file, hash });
    for (const i of fold) decisions[i] = classifyTicket(input.tickets[i]!, policy);
  }
  return decisions;
}

/** The policy with its model settings, or the defaults when routing.yaml has no `model` section. */
export function withModelSettings(routing: RoutingPolicyConfig): RoutingPolicyConfig {
  return routing.model ? routing : { ...routing, model: modelSettingsSchema.parse({}) };
}
