import type { Command } from 'commander';
import { createCountsService, type ReconcileResult } from '../../counts/index.js';
import { buildHeatClient } from '../../service/index.js';
import { createLogger } from '../../observability/index.js';
import { clockOf, type CliContext } from '../cli-context.js';
import { resolvePeriodOption } from '../resolve-period-option.js';
import { formatTable } from '../format-table.js';
import { loadConfigOrExplain, requireRedisUrl } from '../load-config-or-explain.js';
import { connectForCommand } from './report.js';
import { coerceError } from '../../domain/index.js';

interface ReconcileOptions {
  period?: string;
  json?: boolean;
  config?: string;
}

/** What reconcile found, for people: a summary and one line per number that was wrong. */
export function describeReconcile(result: ReconcileResult): string {
  const lines = [
    `Reconciled ${result.period} (CreatedDateTime ${result.range.start} .. ${result.range.end}) in ${(result.ms / 1000).toFixed(1)} s, ${result.heatCalls} HEAT calls`,
    `  HEAT queried CreatedDateTime ge ${result.query.from} and lt ${result.query.to} (a day wider on each side)`,
    `  tickets read ${result.ticketsRead}, counted ${result.counted}, untagged ${result.untagged}, invalid tags ${result.invalidTags}, in the neighbouring periods ${result.outsidePeriod}`,
    `  Redis: ${result.ticketsCorrected} tickets corrected, ${result.ticketsMovedOut} moved to another period, ${result.ticketsRemoved} removed (no longer in HEAT)${result.countersRebuilt ? ', counters rebuilt' : ''}`,
    result.schoolRecordsChecked
      ? `  school records: ${result.schoolsWritten} written, ${result.schoolsFailed} failed`
      : `  school records: not touched (they show the current period only)`,
  ];
  if (result.missedByRange > 0) {
    lines.push(
      `  ${result.missedByRange} tickets HEAT has in ${result.period} were missing from the range answer (found by RecId and kept). Fix: check heat.filterDateFormat in service.yaml`,
    );
  }
  if (result.untagged > 0) {
    lines.push(
      `  untagged (not yet classified; not counted): ${result.untaggedSample.join(', ')}${result.untagged > result.untaggedSample.length ? ', ...' : ''}`,
    );
  }
  if (result.unknownSchools.length > 0) {
    lines.push(`  schools with no record in HEAT (not written): ${result.unknownSchools.join(', ')}`);
  }
  if (result.differences.length === 0) {
    lines.push('', 'Redis already agreed with HEAT: no differences.');
  } else {
    lines.push('', `${result.differences.length} numbers differed (Redis before -> HEAT tags):`);
    lines.push(
      formatTable(
        ['School', 'Column', 'Before', 'After'],
        result.differences.map((d) => [d.school, d.column, String(d.before), String(d.after)]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `sbt-router reconcile --period 2026-11`: recounts a period from the tickets' own tags in HEAT,
 * corrects Redis and (for the current period) the school records, and prints what differed. The
 * same work runs nightly inside the worker (counts.reconcileCron).
 */
export function registerReconcileCommand(program: Command, ctx: CliContext): void {
  program
    .command('reconcile')
    .description("recount a period from the tickets' tags in HEAT; correct Redis and the school records")
    .option(
      '--period <period>',
      'period id, e.g. 2026-11 (month) or SY2026-27 (school year); default: the current one',
    )
    .option('--json', 'print the result as JSON')
    .option('--config <dir>', 'config folder')
    .action(async (opts: ReconcileOptions) => {
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      const service = config.service;
      const period = resolvePeriodOption(ctx, opts.period, service.counts);
      if (!period) return;
      const url = requireRedisUrl(ctx, config);
      if (!url) return;
      const logger = createLogger({ level: service.logging.level, stream: ctx.stderr });
      let heat;
      try {
        heat = buildHeatClient(config, logger);
      } catch (err) {
        ctx.stderr.write(`${coerceError(err).message}\n`);
        process.exitCode = 2;
        return;
      }
      const redis = connectForCommand(url);
      try {
        const counts = createCountsService({
          redis,
          heat,
          logger,
          config: service,
          fields: config.routing.fields,
          now: clockOf(ctx),
        });
        const result = await counts.reconcile(period);
        ctx.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : describeReconcile(result));
        if (result.schoolsFailed > 0) process.exitCode = 1;
      } catch (err) {
        ctx.stderr.write(`reconcile failed: ${coerceError(err).message}\n`);
        // A RangeError is about the period asked for (e.g. older than the counts retention): usage.
        process.exitCode = err instanceof RangeError ? 2 : 1;
      } finally {
        redis.disconnect();
        heat.close();
      }
    });
}
