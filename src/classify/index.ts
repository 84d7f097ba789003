export { compilePolicy, compileLoadedPolicy } from './compile-policy.js';
export { compileAdminPattern, compileCheckedPattern, MAX_PROGRAM_SIZE } from './compile-admin-pattern.js';
export type { AdminPattern, AdminPatternResult } from './compile-admin-pattern.js';
export type { CompiledPolicy, CompiledRule, CompiledItem, ModelInput } from './compile-policy.js';
export { classifyTicket, classifyByRules, confidenceOf } from './classify-ticket.js';
export { checkPolicyCompiles } from './policy-check.js';
export { normaliseText, createTextNormaliser, foldText, tokeniseText } from './normalise-text.js';
export type { NormalisedText, NormaliseSettings, TextNormaliser } from './normalise-text.js';
export { stemWord } from './stem-word.js';
export { evaluateCorpus, evaluateDecisions } from './evaluate-corpus.js';
export type { EvaluationReport, EvaluationMiss, CategoryFigures, LabelledTicket } from './evaluate-corpus.js';
export { compareDecisions } from './compare-decisions.js';
export type { DecisionComparison, DecisionChange, CategoryMove } from './compare-decisions.js';
export {
  ticketFeatures,
  ticketFeatureKeys,
  featureKey,
  featureHashes,
  forEachFeatureHash,
  DEFAULT_FEATURE_SETTINGS,
} from './ticket-features.js';
export {
  exactSums,
  loadLinearModel,
  modelLogits,
  hashedLogits,
  predictTicket,
  softmax,
} from './linear-model.js';
export type { LinearModel, ModelPrediction } from './linear-model.js';
