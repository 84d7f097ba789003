export { buildRuntime, createService, type Service, type ServiceOptions } from './create-service.js';
export {
  fieldsChangedMeanwhile,
  isPermanentJobError,
  processTicket,
  type ProcessOutcome,
  type ProcessTicketDeps,
} from './process-ticket.js';
export type { RuntimeState } from './runtime-state.js';
export { startHttpForService } from './start-http-for-service.js';
export { handleSignals, watchConfigDir } from './handle-signals.js';
export type { SignalHandlingOptions } from './handle-signals.js';
