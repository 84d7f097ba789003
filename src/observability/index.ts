export { createLogger, createSilentLogger, redact } from './create-logger.js';
export type { Logger, LoggerOptions } from './create-logger.js';
export { createMetrics, WEBHOOK_OUTCOMES, JOB_OUTCOMES } from './metrics.js';
export type { Metrics, WebhookOutcome, ScrapeCollector } from './metrics.js';
export { createReadinessCheck } from './readiness.js';
export type {
  ReadinessReport,
  ReadinessDeps,
  ReadinessCheckResult,
  ReadinessBudget,
  QueueProgress,
} from './readiness.js';
export { createThrottledErrorLog } from './create-throttled-error-log.js';
export { withTimeout } from './with-timeout.js';
export { createDeadline } from './deadline.js';
export type { Deadline } from './deadline.js';
