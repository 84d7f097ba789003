import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../../config/index.js';
import {
  COUNTS_RETENTION_DAYS,
  formatReport,
  periodExpiresAt,
  periodOf,
  periodRange,
  readSchoolBounces,
  readSchoolCounts,
  REPORT_FORMATS,
  type SchoolCounts,
} from '../../counts/index.js';
import {
  findSchool,
  htmlReportInput,
  readReportHistory,
  renderDistrictReport,
  renderSchoolReport,
  reportHistoryPeriods,
} from '../../report/index.js';
import { createRedisConnection } from '../../queue/index.js';
import { clockOf, type CliContext } from '../cli-context.js';
import { resolvePeriodOption } from '../resolve-period-option.js';
import { loadConfigOrExplain, requireRedisUrl } from '../load-config-or-explain.js';
import { CATEGORY_IDS, coerceError } from '../../domain/index.js';

const FORMATS = [...REPORT_FORMATS, 'html'] as const;
type Format = (typeof FORMATS)[number];

interface ReportOptions {
  period?: string;
  format: string;
  out?: string;
  school?: string;
  config?: string;
}

/** A Redis connection for a one-shot command: gives up after a few tries instead of retrying forever. */
export function connectForCommand(url: string): Redis {
  return createRedisConnection(url, 'command');
}

type CountsConfig = LoadedConfig['service']['counts'];

/**
 * What to say about a period without counts. A reconcile is suggested only where it would run: not
 * for a period that has not started, nor for one past the retention (reconcile refuses those).
 */
export function emptyPeriodMessage(period: string, counts: CountsConfig, now: Date): string {
  if (Date.parse(periodRange(period, counts).start) > now.getTime()) {
    return `No tickets counted in ${period}: it has not started yet (the current period is ${periodOf(now.toISOString(), counts)}).\n`;
  }
  if (periodExpiresAt(period, counts) * 1000 <= now.getTime()) {
    return (
      `No tickets counted in ${period}: it ended more than ${COUNTS_RETENTION_DAYS} days ago, so its counts are no longer kept ` +
      `in Redis and reconcile cannot rebuild them (docs/counts.md, Redis memory). HEAT's ticket tags remain the record.\n`
    );
  }
  return `No tickets counted in ${period}. If Redis was emptied, run: sbt-router reconcile --period ${period}\n`;
}

/** The school `--school` names, or a message listing the ones there are. */
function pickSchool(
  ctx: CliContext,
  rows: readonly SchoolCounts[],
  name: string,
  period: string,
): SchoolCounts | null {
  const row = findSchool(rows, name);
  if (row) return row;
  const known = rows.filter((r) => r.hasSchool).map((r) => JSON.stringify(r.school));
  ctx.stderr.write(
    `--school: no tickets counted for ${JSON.stringify(name)} in ${period}. ` +
      (known.length
        ? `Fix: use a school name as the report lists it: ${known.sort().join(', ')}\n`
        : `No school has counts in ${period}.\n`),
  );
  process.exitCode = 2;
  return null;
}

interface Rendered {
  text: string;
  /** Said instead of, or (with --out) besides, the output when the period has no counts. */
  empty: string | null;
}

async function render(
  ctx: CliContext,
  redis: Redis,
  config: LoadedConfig,
  period: string,
  opts: ReportOptions & { format: Format },
): Promise<Rendered | null> {
  const counts = config.service.counts;
  const now = clockOf(ctx)();
  const prefix = config.service.queue.prefix;
  const rows = await readSchoolCounts(redis, prefix, period);
  const bounce = await readSchoolBounces(redis, prefix, period);
  const empty = rows.length === 0 ? emptyPeriodMessage(period, counts, now) : null;
  const school = opts.school === undefined ? null : pickSchool(ctx, rows, opts.school, period);
  if (opts.school !== undefined && !school) return null;
  if (opts.format !== 'html') {
    const shown = school ? [school] : rows;
    const text = formatReport(shown, opts.format, {
      currentPeriod: periodOf(now.toISOString(), counts),
      bounce,
      categoryNames: Object.fromEntries(
        CATEGORY_IDS.map((c) => [c, config.routing.categories[c].displayName]),
      ),
    });
    return { text, empty };
  }
  const history = await readReportHistory(reportHistoryPeriods(period, counts, now), (p) =>
    p === period ? Promise.resolve(rows) : readSchoolCounts(redis, prefix, p),
  );
  const input = htmlReportInput(config, period, history, now, bounce);
  return { text: school ? renderSchoolReport(input, school) : renderDistrictReport(input), empty };
}

/**
 * `sbt-router report --period 2026-11 --format table|csv|json|html [--out FILE] [--school NAME]`: the
 * per-school counts from Redis, schools as rows, by out-of-scope share (docs/counts.md). Reads Redis
 * only, never HEAT. `html` is one self-contained page (district overview, trend, a row per school);
 * with `--school` a page for that school's principal.
 */
export function registerReportCommand(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description(
      'per-school counts for a period: a table, csv, json, or an HTML page (district or one school)',
    )
    .option(
      '--period <period>',
      'period id, e.g. 2026-11 (month) or SY2026-27 (school year); default: the current one',
    )
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'table')
    .option('--out <file>', 'write the report to this file instead of standard output')
    .option('--school <name>', "one school only (html: a page for the school's principal)")
    .option('--config <dir>', 'config folder')
    .action(async (opts: ReportOptions) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        ctx.stderr.write(
          `--format: "${opts.format}" is not a format. Fix: use one of ${FORMATS.join(', ')}\n`,
        );
        process.exitCode = 2;
        return;
      }
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      const period = resolvePeriodOption(ctx, opts.period, config.service.counts);
      if (!period) return;
      const url = requireRedisUrl(ctx, config);
      if (!url) return;
      const redis = connectForCommand(url);
      try {
        const result = await render(ctx, redis, config, period, { ...opts, format: opts.format as Format });
        if (!result) return;
        if (opts.out === undefined) {
          // An empty table says why and what to do instead; the machine formats stay parseable.
          if (result.empty && opts.format === 'table') ctx.stdout.write(result.empty);
          else ctx.stdout.write(result.text);
          if (result.empty && opts.format !== 'table') ctx.stderr.write(result.empty);
          return;
        }
        const file = resolve(opts.out);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, result.text);
        ctx.stdout.write(
          `Wrote ${file} (${opts.format}, ${period}${opts.school ? `, ${opts.school}` : ''})\n`,
        );
        if (result.empty) ctx.stderr.write(result.empty);
      } catch (err) {
        ctx.stderr.write(
          `report failed: ${coerceError(err).message}. Fix: check that REDIS_URL points at the service's Redis` +
            `${opts.out ? ` and that ${opts.out} can be written` : ''}\n`,
        );
        process.exitCode = 1;
      } finally {
        redis.disconnect();
      }
    });
}
