import { watch } from 'node:fs';

import { createDeadline, type Logger } from '../observability/index.js';
import type { Service } from './service-types.js';
import { coerceError } from '../domain/index.js';

/**
 * --watch-config: re-reads the config when a file in `dir` changes (as SIGHUP does). Editors write
 * files in several steps, so the reload waits for the folder to settle. Install it before the service
 * says it started, so that an edit made after that is never missed.
 */
export function watchConfigDir(dir: string, service: Pick<Service, 'reloadChecked'>): void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, () => {
    clearTimeout(timer);
    // reloadChecked logs its own outcome and never rejects.
    timer = setTimeout(() => void service.reloadChecked(), 500);
  });
  watcher.unref();
  process.once('SIGTERM', () => watcher.close());
  process.once('SIGINT', () => watcher.close());
}

export interface SignalHandlingOptions {
  service: Pick<Service, 'reloadChecked' | 'stop'>;
  /** The HTTP server, when one runs: closed first, with at most a quarter of the budget. */
  http: { close(): Promise<unknown> } | null;
  logger: Logger;
  /** The whole shutdown budget (worker.shutdownDeadlineMs): HTTP, poller, jobs and counts share it. */
  shutdownDeadlineMs: number;
}

/**
 * SIGTERM/SIGINT: stop within one shutdown budget, then exit 0 (1 when stopping failed); a second
 * signal forces exit 1. SIGHUP: reload the config (checked with HEAT, see Service.reloadChecked).
 */
export function handleSignals(options: SignalHandlingOptions): void {
  const { service, http, logger } = options;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn('second signal: forcing exit', { event: 'shutdown_forced', signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { event: 'shutdown', signal });
    const deadline = createDeadline(options.shutdownDeadlineMs);
    // Open keep-alive connections must not hold the shutdown past its budget.
    if (http) {
      await deadline.within(http.close(), { maxMs: deadline.totalMs / 4 }).catch(() => undefined);
    }
    await service.stop(deadline);
    process.exitCode = 0;
  };
  const stopLogged = (signal: string) =>
    stop(signal).catch((err: unknown) => {
      logger.error('shutdown failed', { event: 'shutdown_failed', error: coerceError(err).message });
      process.exitCode = 1;
    });
  process.on('SIGTERM', () => void stopLogged('SIGTERM'));
  process.on('SIGINT', () => void stopLogged('SIGINT'));
  process.on('SIGHUP', () => {
    void service.reloadChecked();
  });
}
