export { periodOf, schoolYearId } from './period-of.js';
export type { PeriodConfig } from './period-of.js';
export { periodRange, parsePeriod } from './period-range.js';
export { previousPeriod } from './previous-period.js';
export { periodsToReconcile, PREVIOUS_PERIOD_CATCH_UP_DAYS } from './periods-to-reconcile.js';
export { periodExpiresAt, COUNTS_RETENTION_DAYS } from './period-expires-at.js';
export { widenedCreatedFilter, MAX_UTC_OFFSET_MS, RANGE_MARGIN_MS } from './widened-created-filter.js';
export type { WidenedCreatedFilter } from './widened-created-filter.js';
export { createCountsService } from './create-counts-service.js';
export { COUNTS_QUEUE } from './schedule-nightly-reconcile.js';
export type { CountsService, CountsServiceDeps, RecordInput, RoutingInput } from './create-counts-service.js';
export {
  aggregateBounces,
  bounceOf,
  bounceRateOf,
  districtBounce,
  readSchoolBounces,
} from './bounce-counts.js';
export type { BounceKind, SchoolBounce } from './bounce-counts.js';
export type { FlushResult, FlushOptions } from './write-school-counts.js';
export type { ReconcileResult } from './reconcile-counts.js';
export {
  diffCounts,
  planReconcile,
  planTicketCounts,
  recIdsToLookUp,
  schoolsToLookUp,
} from './plan-reconcile.js';
export type {
  CountDifference,
  ReconcileInput,
  ReconcilePlan,
  ReconcileRow,
  RedisSnapshot,
  SchoolRecordsPlan,
  SchoolRecordWrite,
  TicketCountsInput,
  TicketCountsPlan,
  TicketMove,
} from './plan-reconcile.js';
export { emptyRecordRowsResult, planRowCounts } from './record-rows.js';
export type { RecordRowsResult } from './record-rows.js';
export { encodeTicketState } from './ticket-count-state.js';
export type { TicketCountState } from './ticket-count-state.js';
export type { TicketTagFields } from './counts-context.js';
export { NO_SCHOOL, emptySchoolCounts, outOfScopeShareOf } from './school-counts.js';
export type { SchoolCounts } from './school-counts.js';
export { aggregateCounts, readSchoolCounts } from './read-period-counts.js';
export { countFieldValues, categoryFieldName } from './count-field-values.js';
export type { CountFieldNames } from './count-field-values.js';
export {
  formatReport,
  isWrittenToHeat,
  sortForReport,
  REPORT_FORMATS,
  SCOPE_NAMES,
} from './format-report.js';
export type { ReportContext, ReportFormat } from './format-report.js';
