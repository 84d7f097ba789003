import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { formatReport, readSchoolCounts, REPORT_FORMATS, type ReportFormat } from '../../counts/index.js';
import { createRedisConnection } from '../../queue/index.js';
import type { CliContext } from '../cli-context.js';
import { resolvePeriodOption } from '../resolve-period-option.js';
import { loadConfigOrExplain, requireRedisUrl } from '../load-config-or-explain.js';
import { coerceError } from '../../domain/index.js';

interface ReportOptions {
  period?: string;
  format: string;
  config?: string;
}

/** A Redis connection for a one-shot command: gives up after a few tries instead of retrying forever. */
export function connectForCommand(url: string): Redis {
  return createRedisConnection(url, 'command');
}

/**
 * `sbt-router report --period 2026-11 --format table|csv|json`: the per-school counts from Redis,
 * schools as rows, by out-of-scope share (docs/counts.md). Reads Redis only, never HEAT.
 */
export function registerReportCommand(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('print per-school counts for a period (schools as rows, by out-of-scope share)')
    .option(
      '--period <period>',
      'period id, e.g. 2026-11 (month) or SY2026-27 (school year); default: the current one',
    )
    .option('--format <format>', `output format: ${REPORT_FORMATS.join(', ')}`, 'table')
    .option('--config <dir>', 'config folder')
    .action(async (opts: ReportOptions) => {
      if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
        ctx.stderr.write(
          `--format: "${opts.format}" is not a format. Fix: use one of ${REPORT_FORMATS.join(', ')}\n`,
        );
        process.exitCode = 2;
        return;
      }
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      const counts = config.service.counts;
      const period = resolvePeriodOption(ctx, opts.period, counts);
      if (!period) return;
      const url = requireRedisUrl(ctx, config);
      if (!url) return;
      const redis = connectForCommand(url);
      try {
        const rows = await readSchoolCounts(redis, config.service.queue.prefix, period);
        if (opts.format === 'table' && rows.length === 0) {
          ctx.stdout.write(
            `No tickets counted in ${period}. If Redis was emptied, run: sbt-router reconcile --period ${period}\n`,
          );
        } else {
          ctx.stdout.write(formatReport(rows, opts.format as ReportFormat));
        }
      } catch (err) {
        ctx.stderr.write(
          `report failed: ${coerceError(err).message}. Fix: check that REDIS_URL points at the service's Redis\n`,
        );
        process.exitCode = 1;
      } finally {
        redis.disconnect();
      }
    });
}
