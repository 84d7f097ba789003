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
