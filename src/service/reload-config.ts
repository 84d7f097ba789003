import { checkPolicyCompiles } from '../classify/index.js';
import {
  ConfigError,
  loadConfig,
  reloadDiff,
  unknownDestinationTeams,
  type LoadedConfig,
} from '../config/index.js';
import { coerceError } from '../domain/index.js';
import { listTeamNames, type HeatClient } from '../heat/index.js';
import { withTimeout, type Logger, type Metrics } from '../observability/index.js';

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
  /** Asked for its teams before a checked reload takes effect (absent: teams are not checked). */
  heat?: HeatClient;
  /** After a checked reload took effect (the service re-drives its parked tickets); errors are logged. */
  onAccepted?: (config: LoadedConfig) => Promise<unknown>;
  /** How long the team check may wait for HEAT before the reload goes through unchecked (default 15 s). */
  teamCheckTimeoutMs?: number;
}

export interface ConfigReloader {
  /** Re-reads and validates the config files; HEAT is not asked. */
  reload(): ReloadResult;
  /**
   * What SIGHUP and --watch-config run: as reload(), and before the new config takes effect HEAT is
   * asked whether its destination teams exist. A team HEAT does not have refuses the reload; when
   * HEAT cannot answer the reload goes through with a warning. After it took effect, onAccepted runs.
   * Reloads run one at a time, in the order asked.
   */
  reloadChecked(): Promise<ReloadResult>;
}

/**
 * SIGHUP / --watch-config: re-reads and validates the config; on any problem keeps the running config
 * and returns the error. What may change now and what waits for a restart: config/reload-diff.ts.
 */
export function createConfigReloader(deps: ConfigReloaderDeps): ConfigReloader {
  const { logger, metrics } = deps;
  const load = (): LoadedConfig =>
    loadConfig({ dir: deps.dir, env: deps.env, checkPolicy: checkPolicyCompiles });

  const accept = (next: LoadedConfig): { result: ReloadResult; frozen: LoadedConfig } => {
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
    return { result: { ok: true, policyVersion: next.policyVersion }, frozen };
  };

  const reject = (err: unknown): ReloadResult => {
    const message = err instanceof ConfigError ? err.message : String(err);
    metrics.configReloads.inc({ outcome: 'rejected' });
    logger.error('config reload rejected; the running config stays', {
      event: 'config_reload_rejected',
      problems: err instanceof ConfigError ? err.problems : [message],
    });
    return { ok: false, error: message };
  };

  /** Throws ConfigError naming each team HEAT does not have; returns quietly when HEAT cannot answer. */
  const checkTeams = async (next: LoadedConfig): Promise<void> => {
    if (!deps.heat) return;
    let teams: string[];
    try {
      teams = await withTimeout(
        listTeamNames(deps.heat),
        deps.teamCheckTimeoutMs ?? 15_000,
        'listing the teams of HEAT',
      );
    } catch (err) {
      logger.warn('HEAT did not answer: the destination teams of the new config were not checked', {
        event: 'config_teams_not_checked',
        error: coerceError(err).message,
        fix: 'run sbt-router config check --live once HEAT is reachable',
      });
      return;
    }
    const problems = unknownDestinationTeams(next, teams);
    if (problems.length > 0) throw new ConfigError(problems);
  };

  const reloadChecked = async (): Promise<ReloadResult> => {
    let accepted: { result: ReloadResult; frozen: LoadedConfig };
    try {
      const next = load();
      await checkTeams(next);
      accepted = accept(next);
    } catch (err) {
      return reject(err);
    }
    if (deps.onAccepted) {
      await deps.onAccepted(accepted.frozen).catch((err: unknown) =>
        logger.error('after the reload: could not finish its follow-up work', {
          event: 'config_reload_follow_up_failed',
          error: coerceError(err).message,
        }),
      );
    }
    return accepted.result;
  };

  let chain: Promise<unknown> = Promise.resolve();
  return {
    reload() {
      try {
        return accept(load()).result;
      } catch (err) {
        return reject(err);
      }
    },
    reloadChecked() {
      const run = chain.then(reloadChecked);
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
