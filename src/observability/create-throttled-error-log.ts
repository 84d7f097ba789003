import type { Logger } from './create-logger.js';

/**
 * An `error` listener for Redis connections, BullMQ queues and workers: while Redis is down each of
 * them emits an error on every reconnect attempt; this logs the first of each source and then at most
 * one line per interval, with how many were suppressed. Without a listener they would print raw stack
 * traces on stderr (and an EventEmitter without one throws).
 */
export function createThrottledErrorLog(
  logger: Logger,
  intervalMs = 30_000,
): (source: string) => (err: Error) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (source) => (err) => {
    const now = Date.now();
    const seen = last.get(source);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed += 1;
      return;
    }
    logger.warn('connection error', {
      event: 'connection_error',
      source,
      error: err.message,
      suppressed: seen?.suppressed ?? 0,
    });
    last.set(source, { at: now, suppressed: 0 });
  };
}
