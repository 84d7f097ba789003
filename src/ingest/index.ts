export { pollChangedTickets } from './poll-changed-tickets.js';
export { isEcho, sameInstant } from './is-echo.js';
export type { TicketVersion } from './is-echo.js';
export type { PollDeps, PollSettings, PollResult } from './poll-changed-tickets.js';
export { createWatermarkStore } from './watermark-store.js';
export { createPollStatusStore } from './poll-status-store.js';
export type { PollStatusStore } from './poll-status-store.js';
export type { WatermarkStore } from './watermark-store.js';
export { createPollScheduler, POLL_QUEUE } from './poll-scheduler.js';
export type { PollScheduler, PollSchedulerOptions } from './poll-scheduler.js';
export { createWebhookRoute, WEBHOOK_PATH } from './webhook-route.js';
export type {
  WebhookRouteDeps,
  WebhookGuard,
  EnqueueTicketInput,
  EnqueueTicketResult,
} from './webhook-route.js';
export { createWebhookGuardStore, defaultWebhookRate } from './webhook-guard-store.js';
export type { WebhookGuardStore, RateLimit, RateDecision, UnknownKind } from './webhook-guard-store.js';
export {
  createWebhookAuthenticator,
  signWebhookBody,
  WEBHOOK_TOKEN_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
} from './webhook-auth.js';
export type { WebhookAuthConfig, WebhookAuthResult } from './webhook-auth.js';
export { parseWebhookPayload } from './webhook-payload.js';
export type { WebhookTarget, WebhookPayloadResult } from './webhook-payload.js';
