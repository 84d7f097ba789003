export {
  ConfigError,
  formatProblems,
  formatKeyPath,
  problemsFromZod,
  problemLocation,
  nearestKey,
  editDistance,
  referenceFor,
} from './config-error.js';
export type { ConfigProblem } from './config-error.js';
export {
  loadYamlFile,
  parseYamlText,
  deepFreeze,
  readYamlSource,
  parseYamlSource,
  lineOfPath,
  parseKeyPath,
  locateProblems,
} from './load-yaml-file.js';
export type { YamlSource } from './load-yaml-file.js';
export { ODATA_IDENTIFIER } from './odata-identifier.js';
export {
  loadConfig,
  readEnv,
  defaultConfigDir,
  policyVersionOf,
  crossCheck,
  routingForChecking,
} from './load-config.js';
export type { LoadedConfig, LoadConfigOptions, PolicyCheck } from './load-config.js';
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
export { reloadDiff, RESTART_SECTIONS } from './reload-diff.js';
export type { ReloadDiff } from './reload-diff.js';
export { destinationTeams, unknownDestinationTeams } from './destination-teams.js';
