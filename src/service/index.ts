export { createService } from './create-service.js';
export type { Service, ServiceOptions } from './service-types.js';
export { buildRuntime } from './runtime-state.js';
export type { RuntimeState } from './runtime-state.js';
export {
  fieldsChangedMeanwhile,
  isPermanentJobError,
  processTicket,
  type ProcessOutcome,
  type ProcessTicketDeps,
} from './process-ticket.js';
export { createTicketJobHandler } from './ticket-job-handler.js';
export type { TicketJobHandlerDeps } from './ticket-job-handler.js';
export type { ReloadResult } from './reload-config.js';
export { startHttpForService } from './start-http-for-service.js';
export { handleSignals, watchConfigDir } from './handle-signals.js';
export type { SignalHandlingOptions } from './handle-signals.js';
export { buildHeatClient } from './build-heat-client.js';
export { ticketFieldsNeeded } from './ticket-fields-needed.js';
