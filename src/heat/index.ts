export { createHeatClient, retryAfterMs } from './create-heat-client.js';
export {
  BUDGET_SLOW_RATIO,
  BACKFILL_SLOW_DELAY_MS,
  budgetDay,
  budgetStateOf,
  readSharedBudget,
} from './call-budget.js';
export type { HeatClientDeps } from './create-heat-client.js';
export { heatClientConfigFrom, heatBaseUrlProblems, NO_HEAT_CREDENTIALS } from './heat-client-config-from.js';
export {
  HeatApiError,
  isPermanentHeatError,
  isTicketPermanentError,
  isRetryableStatus,
} from './heat-api-error.js';
export type { HeatApiErrorInit } from './heat-api-error.js';
export { nextWatermark } from './next-watermark.js';
export {
  eq,
  ne,
  and,
  or,
  filterSince,
  odataLiteral,
  odataDateLiteral,
  parseInstant,
} from './odata-filter.js';
export type { ODataValue } from './odata-filter.js';
export { buildQueryString, HEAT_MAX_TOP } from './build-query-string.js';
export { backoffDelay } from './backoff-delay.js';
export { NOTES_SET, TEAMS_SET } from './heat-paths.js';
export { listTeamNames } from './list-team-names.js';
export { redactHeatSecrets } from './redact-heat-secrets.js';
export type {
  ODataQuery,
  HeatAuthConfig,
  HeatClientConfig,
  FilterDateFormat,
  HeatCallRecord,
  HeatCallStats,
  HeatBudgetStore,
  BudgetState,
  BackfillTurnOptions,
  JournalNoteInput,
  ChangedSinceOptions,
  HeatClient,
} from './types.js';
export { probeChangeQuery, probeFailure } from './probe-change-query.js';
export type { ChangeQueryProbeOptions } from './probe-change-query.js';
