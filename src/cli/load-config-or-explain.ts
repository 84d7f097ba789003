import { checkPolicyCompiles } from '../classify/index.js';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/index.js';
import type { CliContext } from './cli-context.js';

/**
 * Loads config for a command; on a problem prints every file/key/fix to stderr, sets exit code 2 and
 * returns null, so the command stops before touching HEAT.
 */
export function loadConfigOrExplain(ctx: CliContext, dir?: string): LoadedConfig | null {
  try {
    return loadConfig({ ...(dir ? { dir } : {}), env: ctx.env, checkPolicy: checkPolicyCompiles });
  } catch (err) {
    if (err instanceof ConfigError) {
      ctx.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return null;
    }
    throw err;
  }
}

export function requireRedisUrl(ctx: CliContext, config: LoadedConfig): string | null {
  if (config.env.REDIS_URL) return config.env.REDIS_URL;
  ctx.stderr.write(
    'environment: REDIS_URL: not set. Fix: set REDIS_URL=redis://host:6379 (see config/.env.example)\n',
  );
  process.exitCode = 2;
  return null;
}
