import { checkPolicyCompiles } from '../classify/index.js';
import { ConfigError, loadConfig, reloadDiff, type LoadedConfig } from '../config/index.js';
import type { Logger, Metrics } from '../observability/index.js';

export type ReloadResult = { ok: true; policyVersion: string } | { ok: false; error: string };

export interface ConfigReloaderDeps {
  /** The config the process started with: its restart sections stay in force. */
  startup: LoadedConfig;
  dir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  metrics: Metrics;
  /** Puts the accepted (frozen) config in force. */
  apply: (config: LoadedConfig) => void;
}

/**
 * SIGHUP / --watch-config: re-reads and validates the config; on any problem keeps the running config
 * and returns the error. What may change now and what waits for a restart: config/reload-diff.ts.
 */
export function createConfigReloader(deps: ConfigReloaderDeps): () => ReloadResult {
  const { logger, metrics } = deps;
  return () => {
    try {
      const next = loadConfig({ dir: deps.dir, env: deps.env, checkPolicy: checkPolicyCompiles });
      const { frozen, needRestart } = reloadDiff(deps.startup, next);
      deps.apply(frozen);
      metrics.configReloads.inc({ outcome: 'accepted' });
      logger.info('config reloaded', { event: 'config_reloaded', policyVersion: next.policyVersion });
      if (needRestart.length > 0) {
        logger.warn('some changed settings take effect after a restart', {
          event: 'config_restart_required',
          sections: needRestart,
        });
      }
      return { ok: true, policyVersion: next.policyVersion };
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : String(err);
      metrics.configReloads.inc({ outcome: 'rejected' });
      logger.error('config reload rejected; the running config stays', {
        event: 'config_reload_rejected',
        problems: err instanceof ConfigError ? err.problems : [message],
      });
      return { ok: false, error: message };
    }
  };
}
