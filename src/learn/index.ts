export {
  trainLinearModel,
  fitTemperature,
  kFolds,
  seededRandom,
  shuffled,
  DEFAULT_TRAIN_SETTINGS,
} from './train-linear-model.js';
export type { TrainingExample, TrainSettings } from './train-linear-model.js';
export { examplesFromLabelled } from './labelled-examples.js';
export { crossValidate, withModelSettings } from './cross-validate.js';
export type { CrossValidationInput } from './cross-validate.js';
export {
  labelsFromHistory,
  inScopeCategoryOf,
  timeSplit,
  DEFAULT_HISTORY_WEIGHTS,
} from './labels-from-history.js';
export type {
  HistoryExample,
  HistorySkipped,
  HistorySource,
  HistoryLabelOptions,
} from './labels-from-history.js';
export { readHeatHistory } from './read-heat-history.js';
export type { HeatHistory, HeatHistoryQuery } from './read-heat-history.js';
