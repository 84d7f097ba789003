import type { Command } from 'commander';
import { createService, handleSignals, startHttpForService, watchConfigDir } from '../../service/index.js';
import { createLogger } from '../../observability/index.js';
import type { CliContext } from '../cli-context.js';
import { loadConfigOrExplain } from '../load-config-or-explain.js';
import { ConfigError, formatProblems, type ConfigProblem } from '../../config/index.js';
import { heatClientConfigFrom } from '../../heat/index.js';

export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'run the service: poller, ticket worker, counts writer and HTTP endpoints (webhook, health, metrics)',
    )
    .option('--config <dir>', 'config folder (default: SBT_CONFIG_DIR or the shipped config/)')
    .option('--no-http', 'do not start the HTTP server')
    .option('--watch-config', 're-read the config when a file in the config folder changes (as on SIGHUP)')
    .action(async (opts: { config?: string; http: boolean; watchConfig?: boolean }) => {
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      // Every missing connection setting in one report, before anything connects.
      const problems: ConfigProblem[] = [];
      if (!config.env.REDIS_URL) {
        problems.push({
          file: 'environment',
          key: 'REDIS_URL',
          problem: 'not set',
          fix: 'set REDIS_URL=redis://host:6379 (see config/.env.example)',
        });
      }
      try {
        heatClientConfigFrom(config.service, config.env);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
      }
      if (problems.length > 0) {
        ctx.stderr.write(`${formatProblems(problems)}\n`);
        process.exitCode = 2;
        return;
      }
      const redisUrl = config.env.REDIS_URL!;
      const logger = createLogger({ level: config.service.logging.level });
      const service = createService({
        config,
        logger,
        redisUrl,
        env: ctx.env,
        ...(opts.config ? { configDir: opts.config } : {}),
      });
      const http =
        opts.http && config.service.http.enabled ? await startHttpForService(service, config, logger) : null;
      // The watcher is in place before 'started' is logged: an edit made once the service says it
      // started is never missed.
      if (opts.watchConfig) watchConfigDir(config.dir, service);
      await service.start();
      handleSignals({
        service,
        http,
        logger,
        shutdownDeadlineMs: config.service.worker.shutdownDeadlineMs,
      });
    });
}
