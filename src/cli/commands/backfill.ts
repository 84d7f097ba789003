import type { Command } from 'commander';
import { createTenantFieldsCheck } from '../../actions/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { createLogger, createMetrics, type Logger } from '../../observability/index.js';
import { buildHeatClient, buildRuntime, createTicketJobHandler } from '../../service/index.js';
import { clockOf, type CliContext } from '../cli-context.js';
import { loadConfigOrExplain, requireRedisUrl } from '../load-config-or-explain.js';
import type { HistoryMode } from './backfill-history.js';
import { createSummary, runBackfill } from './backfill-run.js';

interface BackfillOptions {
  since: string;
  dryRun?: boolean;
  countsOnly?: boolean;
  tagHistory?: boolean;
  config?: string;
  timeout: number;
  redisWait: number;
}

/** A number of seconds >= 0, or NaN (reported by the action with the option's name). */
const seconds = (v: string): number => (/^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN);

/**
 * `backfill --dry-run`: every incident modified since `sinceMs` through the handler the service's
 * worker runs (createTicketJobHandler), planning only: no writes, no queue, no Redis needed. Prints
 * each planned change and a summary.
 */
async function dryRunBackfill(
  config: LoadedConfig,
  logger: Logger,
  sinceMs: number,
  out: (line: string) => void,
): Promise<void> {
  const service = config.service;
  const heat = buildHeatClient(config, logger, createMetrics());
  const runtime = buildRuntime(config);
  const summary = createSummary(true);
  const seen = new Set<string>();
  const handle = createTicketJobHandler({
    heat,
    logger,
    metrics: createMetrics(),
    runtime: () => runtime,
    processed: {
      mark: async () => undefined,
      getMany: async (ids: readonly string[]) => ids.map(() => null),
    },
    counts: null,
    // Plan as the service would: never a field the tenant lacks.
    tenantFields: createTenantFieldsCheck(heat, config.routing.fields, service.heat.incidentSet, logger),
    checkAccount: () => undefined,
    dryRun: true,
    onOutcome: (o) => {
      summary.add(o);
      if (o.plan.kind === 'noop') return;
      out(
        JSON.stringify({
          RecId: o.recId,
          IncidentNumber: o.incidentNumber,
          plan: o.plan.kind,
          fields: o.plan.fields,
          moveTo: o.plan.moveTo,
          note: o.plan.note ? o.plan.note.subject : null,
          why: o.plan.why,
        }),
      );
    },
  });
  try {
    for await (const page of heat.changedSince(new Date(sinceMs).toISOString(), {
      set: service.heat.incidentSet,
      overlapMs: 0,
      select: ['IncidentNumber'],
      untilMs: Date.now(),
    })) {
      for (const record of page) {
        // A ticket modified while the pages are read comes back with its new time: once is enough.
        const recId = String(record.RecId);
        if (seen.has(recId)) continue;
        seen.add(recId);
        const job = {
          v: 1 as const,
          recId,
          source: 'backfill' as const,
          receivedAt: new Date().toISOString(),
        };
        await handle(job, { jobId: 'dry-run', attempt: 1 });
      }
    }
  } finally {
    heat.close();
  }
  out(`dry run: ${JSON.stringify(summary.totals)}`);
}

/**
 * `sbt-router backfill --since DATE`: every incident modified since DATE, read in pages of full records.
 * Tickets in a final state (Resolved, Closed: never moved) are counted from the page; the others go
 * through the same queue and handler as live changes, and so does every parked ticket (HEAT refused its
 * destination). `--counts-only` counts every ticket from the pages (no job, no ticket write);
 * `--tag-history` also tags final-state tickets from the page (one PATCH where the SBT fields differ).
 * Progress on stderr, the summary with the HEAT calls per ticket on stdout. With --dry-run the planned
 * writes are printed and nothing is written (no queue, no Redis needed).
 */
export function registerBackfillCommand(program: Command, ctx: CliContext): void {
  program
    .command('backfill')
    .description('process every incident modified since a date: count history from the pages, queue the rest')
    .requiredOption('--since <date>', 'ISO date or timestamp, e.g. 2026-08-01')
    .option('--dry-run', 'print the planned writes without making them')
    .option('--counts-only', 'count every ticket from the pages read; queue nothing, write no ticket')
    .option(
      '--tag-history',
      'also tag Resolved/Closed tickets, from the page (a write only where the tags differ)',
    )
    .option('--config <dir>', 'config folder')
    .option(
      '--timeout <seconds>',
      'stop after this long (0: no limit); queued jobs stay queued',
      seconds,
      3600,
    )
    .option(
      '--redis-wait <seconds>',
      'how long to wait for Redis to come back during an outage',
      seconds,
      300,
    )
    .action(async (opts: BackfillOptions) => {
      const sinceMs = Date.parse(opts.since);
      if (Number.isNaN(sinceMs)) {
        ctx.stderr.write(`--since: "${opts.since}" is not a date. Fix: use an ISO date such as 2026-08-01\n`);
        process.exitCode = 2;
        return;
      }
      for (const [name, value] of [
        ['--timeout', opts.timeout],
        ['--redis-wait', opts.redisWait],
      ] as const) {
        if (Number.isNaN(value)) {
          ctx.stderr.write(`${name}: not a number of seconds. Fix: e.g. ${name} 600\n`);
          process.exitCode = 2;
          return;
        }
      }
      if (opts.countsOnly && (opts.tagHistory || opts.dryRun)) {
        ctx.stderr.write(
          `--counts-only writes no ticket: it cannot go with ${opts.tagHistory ? '--tag-history' : '--dry-run'}. Fix: drop one of them\n`,
        );
        process.exitCode = 2;
        return;
      }
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      const logger = createLogger({ level: config.service.logging.level, stream: ctx.stderr });
      const out = (line: string) => ctx.stdout.write(`${line}\n`);

      if (opts.dryRun) {
        await dryRunBackfill(config, logger, sinceMs, out);
        return;
      }

      const redisUrl = requireRedisUrl(ctx, config);
      if (!redisUrl) return;
      const mode: HistoryMode = opts.countsOnly ? 'counts-only' : opts.tagHistory ? 'tag-history' : 'default';
      const clock = clockOf(ctx);
      const result = await runBackfill({
        config,
        logger,
        redisUrl,
        env: ctx.env,
        since: opts.since,
        sinceMs,
        mode,
        timeoutMs: opts.timeout * 1000,
        redisWaitMs: opts.redisWait * 1000,
        nowMs: () => clock().getTime(),
        stderr: ctx.stderr,
        out,
        // Only the real CLI owns the process's signals (tests run the command in-process).
        handleSignals: ctx.stderr === process.stderr,
      });
      if (result.exitCode !== 0) process.exitCode = result.exitCode;
    });
}
