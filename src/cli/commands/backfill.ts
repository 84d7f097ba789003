import type { Command } from 'commander';
import { createTenantFieldsCheck } from '../../actions/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { createLogger, createMetrics, type Logger } from '../../observability/index.js';
import {
  buildHeatClient,
  buildRuntime,
  createService,
  createTicketJobHandler,
  type ProcessOutcome,
} from '../../service/index.js';
import { failedJobFacts, failedJobOutcome } from '../../queue/index.js';
import type { CliContext } from '../cli-context.js';
import { loadConfigOrExplain, requireRedisUrl } from '../load-config-or-explain.js';

interface BackfillOptions {
  since: string;
  dryRun?: boolean;
  config?: string;
  timeout: number;
}

/** Running totals (a backfill may cover a year of tickets: keep counters, not decisions). */
function createSummary(dryRun = false): { add(o: ProcessOutcome): void; totals: Record<string, number> } {
  const totals: Record<string, number> = {
    tickets: 0,
    patched: 0,
    moved: 0,
    notes: 0,
    unchanged: 0,
    overrides: 0,
  };
  const bump = (key: string) => (totals[key] = (totals[key] ?? 0) + 1);
  return {
    totals,
    add(o) {
      bump('tickets');
      // A dry run writes nothing: count what the plan would write.
      const writes = dryRun ? Object.keys(o.plan.fields).length > 0 : o.patched;
      bump(writes ? 'patched' : 'unchanged');
      if (dryRun ? o.plan.note !== null && o.plan.noteMode === 'create' : o.noted) bump('notes');
      if (o.plan.moveTo) bump('moved');
      if (o.plan.kind === 'override') bump('overrides');
      bump(o.category);
    },
  };
}

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
 * `sbt-router backfill --since DATE`: every incident modified since DATE goes through the same queue
 * and handler as live changes, and so does every parked ticket (HEAT refused its destination);
 * waits for the queue to drain and prints a summary. With --dry-run the
 * planned writes are printed and nothing is written (no queue, no Redis needed).
 */
export function registerBackfillCommand(program: Command, ctx: CliContext): void {
  program
    .command('backfill')
    .description('process every incident modified since a date through the normal queue and handler')
    .requiredOption('--since <date>', 'ISO date or timestamp, e.g. 2026-08-01')
    .option('--dry-run', 'print the planned writes without making them')
    .option('--config <dir>', 'config folder')
    .option('--timeout <seconds>', 'give up waiting for the queue after this long', (v) => Number(v), 3600)
    .action(async (opts: BackfillOptions) => {
      const sinceMs = Date.parse(opts.since);
      if (Number.isNaN(sinceMs)) {
        ctx.stderr.write(`--since: "${opts.since}" is not a date. Fix: use an ISO date such as 2026-08-01\n`);
        process.exitCode = 2;
        return;
      }
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      const logger = createLogger({ level: config.service.logging.level, stream: ctx.stderr });
      const service = config.service;
      const out = (line: string) => ctx.stdout.write(`${line}\n`);

      if (opts.dryRun) {
        await dryRunBackfill(config, logger, sinceMs, out);
        return;
      }

      const redisUrl = requireRedisUrl(ctx, config);
      if (!redisUrl) return;
      const summary = createSummary();
      const svc = createService({
        config,
        logger,
        redisUrl,
        poll: false,
        onOutcome: (o) => summary.add(o),
        env: ctx.env,
      });
      let failed = 0;
      svc.worker.on('failed', (job, err) => {
        // Dropped (HEAT refused it) or out of attempts: the rule the worker's metrics use.
        if (job && failedJobOutcome(failedJobFacts(job, err)) !== 'retried') failed += 1;
      });
      try {
        await svc.start();
        // Tickets parked because HEAT did not know their destination go again too, whatever their date.
        const parked = await svc.redriveParked();
        let enqueued = parked.length;
        const queued = new Set<string>(parked);
        for await (const page of svc.heat.changedSince(new Date(sinceMs).toISOString(), {
          set: service.heat.incidentSet,
          overlapMs: 0,
          select: ['IncidentNumber'],
          untilMs: Date.now(),
        })) {
          // Our own writes move tickets to the end while the pages are read: queue each ticket once.
          const fresh = page.filter((r) => !queued.has(String(r.RecId)));
          for (const r of fresh) queued.add(String(r.RecId));
          enqueued += await svc.queue.enqueueMany(
            fresh.map((r) => ({ recId: String(r.RecId), source: 'backfill' as const })),
          );
        }
        const drained = await svc.waitForIdle(opts.timeout * 1000);
        if (svc.counts) await svc.counts.flush({ force: true });
        out(
          `backfill since ${opts.since}: ${enqueued} tickets queued; processed by this process (other replicas may take some): ${JSON.stringify({ ...summary.totals, failed })}`,
        );
        out(`HEAT calls: ${svc.heat.stats().calls}`);
        if (!drained) {
          ctx.stderr.write(`the queue did not drain within ${opts.timeout} s\n`);
          process.exitCode = 1;
        } else if (failed > 0) {
          process.exitCode = 1;
        }
      } finally {
        await svc.stop();
      }
    });
}
