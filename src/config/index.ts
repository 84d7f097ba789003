export {
  ConfigError,
  formatProblems,
  formatProblemPlace,
  formatKeyPath,
  lineOfKey,
  problemsFromZod,
} from './config-error.js';
export type { ConfigProblem, KeyLines } from './config-error.js';
export { loadYamlFile, parseYamlText, parseYamlWithLines, deepFreeze } from './load-yaml-file.js';
export { loadConfig, readEnv, defaultConfigDir, policyVersionOf, crossCheck } from './load-config.js';
export type { LoadedConfig } from './load-config.js';
export { serviceConfigSchema } from './service-schema.js';
export type { ServiceConfig } from './service-schema.js';
export { envSchema } from './env-schema.js';
export type { Env } from './env-schema.js';
export {
  routingPolicySchema,
  fieldMappingSchema,
  teamsSchema,
  categorySettingsSchema,
  ruleSchema,
  modelSettingsSchema,
} from './routing-schema.js';
export type {
  RoutingPolicyConfig,
  FieldMapping,
  TeamsConfig,
  CategorySettings,
  ModelSettings,
} from './routing-schema.js';
export {
  MODEL_FORMAT,
  modelFileSchema,
  featureSettingsSchema,
  readModelFile,
  modelHashOf,
} from './model-file-schema.js';
export type { ModelFile, FeatureSettings } from './model-file-schema.js';
