export { createSimulator } from './create-simulator.js';
export type {
  Simulator,
  SimulatorOptions,
  SimulatorFaults,
  SimulatorStats,
  SimulatorCall,
  SimulatorUser,
  TruthEntry,
  OutboundRule,
  WorkflowRestamp,
  SimulatorWorkflow,
} from './simulator-types.js';
export { DEFAULT_INCIDENT_CUSTOM_FIELDS, DEFAULT_ORGUNIT_CUSTOM_FIELDS } from './entity-schemas.js';
export { compileFilter } from './compile-filter.js';
export type { CompiledFilter } from './compile-filter.js';
export { HeatError } from './heat-error.js';
export { formatHeatDate, UNSET_HEAT_DATE } from './format-heat-date.js';
export { INTENT_LABELS } from './intent-labels.js';
export type { IntentLabel } from './intent-labels.js';
export type { HeatRecord } from './heat-record.js';
export { INTENT_TEAMS } from './plan-history.js';
export { createRng } from './create-rng.js';
export type { Rng } from './create-rng.js';
export type { HistoryOptions } from './plan-history.js';
