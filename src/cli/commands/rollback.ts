import type { Command } from 'commander';
import {
  applyActions,
  createTenantFieldsCheck,
  findRollbackCandidates,
  planContextFrom,
  planRollback,
  type RollbackOutcome,
  type RollbackPlan,
} from '../../actions/index.js';
import { classifyTicket, compileLoadedPolicy } from '../../classify/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { createCountsService, type CountsService } from '../../counts/index.js';
import { coerceError, type Ticket } from '../../domain/index.js';
import { createHeatClient, heatClientConfigFrom, type HeatClient } from '../../heat/index.js';
import { createLogger, type Logger } from '../../observability/index.js';
import { createProcessedStore, type ProcessedStore } from '../../queue/index.js';
import { fieldsChangedMeanwhile } from '../../service/index.js';
import { clockOf, type CliContext } from '../cli-context.js';
import { loadConfigOrExplain, requireRedisUrl } from '../load-config-or-explain.js';
import { connectForCommand } from './report.js';

interface RollbackOptions {
  policy: string;
  since: string;
  dryRun?: boolean;
  config?: string;
}

type Totals = Record<RollbackOutcome | 'examined' | 'failed', number>;

/** Where the writes go: nothing at all for a dry run. */
interface Writers {
  counts: CountsService | null;
  processed: ProcessedStore | null;
}

interface RunState {
  config: LoadedConfig;
  heat: HeatClient;
  logger: Logger;
  version: string;
  dryRun: boolean;
  now: () => Date;
  out: (line: string) => void;
  totals: Totals;
  leftAlone: string[];
  /** Tickets a person saved between our read and our PATCH (HEAT has no ETag): to look at again. */
  changedMeanwhile: string[];
}

const label = (id: string, number: unknown): string =>
  typeof number === 'number' ? `incident ${number}` : `RecId ${id}`;

/** One ticket: read, re-decide under the active policy, apply (unless a dry run), count. */
async function rollBackTicket(
  s: RunState,
  w: Writers,
  recId: string,
  notes: Parameters<typeof planRollback>[2],
  missing: ReadonlySet<string>,
  policy: ReturnType<typeof compileLoadedPolicy>,
): Promise<void> {
  const service = s.config.service;
  const ticket = (await s.heat.getByRecId(service.heat.incidentSet, recId)) as Ticket;
  const decision = classifyTicket(ticket, policy);
  const r: RollbackPlan = planRollback(
    ticket,
    decision,
    notes,
    s.version,
    planContextFrom(s.config, s.now(), missing),
  );
  s.totals.examined += 1;
  s.totals[r.outcome] += 1;
  const who = label(recId, ticket.IncidentNumber);
  if (r.outcome === 'left_alone') {
    s.leftAlone.push(`${who}: in ${r.currentTeam ?? '(no team)'}, we had routed it to ${r.routedTo ?? '?'}`);
    return;
  }
  if (s.dryRun && r.outcome !== 'unchanged') {
    s.out(
      JSON.stringify({
        RecId: recId,
        IncidentNumber: ticket.IncidentNumber ?? null,
        outcome: r.outcome,
        fields: r.plan.fields,
        moveTo: r.plan.moveTo,
        note: r.plan.note ? r.plan.note.subject : null,
        why: r.plan.why,
      }),
    );
  }
  if (s.dryRun) return;
  const result = await applyActions(r.plan, {
    heat: s.heat,
    logger: s.logger,
    incidentSet: service.heat.incidentSet,
  });
  const changed = result.written
    ? fieldsChangedMeanwhile(ticket, result.written, result.sent ?? r.plan.fields)
    : [];
  if (changed.length > 0) {
    s.changedMeanwhile.push(`${who}: ${changed.join(', ')} changed while we wrote; run the command again`);
    s.logger.warn('the ticket changed while we were writing', {
      event: 'concurrent_change',
      ticketId: recId,
      fields: changed,
    });
  }
  const leftAt = result.lastModDateTime;
  // Not marked when a person changed it meanwhile: the worker then decides on their version.
  if (w.processed && leftAt && changed.length === 0) await w.processed.mark(recId, leftAt);
  if (w.counts && service.counts.enabled) {
    const school = ticket[service.counts.schoolField];
    await w.counts.record({
      recId,
      school: typeof school === 'string' ? school : null,
      createdDateTime: typeof ticket.CreatedDateTime === 'string' ? ticket.CreatedDateTime : null,
      decision,
    });
  }
  s.logger.info('ticket rolled back', {
    event: 'rollback_ticket',
    ticketId: recId,
    incidentNumber: ticket.IncidentNumber,
    outcome: r.outcome,
    moveTo: r.plan.moveTo,
    noted: result.noted,
  });
}

/** Reads the candidates, then handles them one by one; a ticket that fails is counted and the run goes on. */
async function runRollback(s: RunState, sinceMs: number, w: Writers): Promise<void> {
  const { config, heat } = s;
  const service = config.service;
  const tenant = createTenantFieldsCheck(heat, config.routing.fields, service.heat.incidentSet, s.logger);
  await tenant.ensure();
  const missing = tenant.missing();
  const field = config.routing.fields.policyVersion;
  const found = await findRollbackCandidates(heat, {
    version: s.version,
    sinceMs,
    incidentSet: service.heat.incidentSet,
    policyVersionField: missing.has(field) ? null : field,
    filterDateFormat: service.heat.filterDateFormat,
  });
  s.out(
    `policy ${s.version} since ${new Date(sinceMs).toISOString()}: ${found.tagged} tickets still carry it, ${found.versionNotes} routing notes cite it; ${found.recIds.length} tickets to examine (active policy ${config.policyVersion})`,
  );
  const policy = compileLoadedPolicy(config);
  for (const recId of found.recIds) {
    try {
      await rollBackTicket(s, w, recId, found.notesByTicket.get(recId.toUpperCase()) ?? [], missing, policy);
    } catch (err) {
      s.totals.failed += 1;
      s.logger.error('rollback of a ticket failed; run the command again to retry it', {
        event: 'rollback_failed',
        ticketId: recId,
        error: coerceError(err).message,
      });
    }
  }
  if (w.counts && service.counts.enabled) await w.counts.flush({ force: true });
}

function printSummary(s: RunState): void {
  const t = s.totals;
  const verb = s.dryRun ? 'would be ' : '';
  s.out(
    [
      `${s.dryRun ? 'dry run: ' : ''}examined ${t.examined}`,
      `moved back ${verb}${t.moved_back}`,
      `re-tagged only ${verb}${t.retagged}`,
      `routed by the active policy ${verb}${t.routed}`,
      `left alone because a person changed them ${t.left_alone}`,
      `already right ${t.unchanged}`,
      `failed ${t.failed}`,
    ].join('; '),
  );
  for (const line of s.leftAlone) s.out(`  left alone: ${line}`);
  for (const line of s.changedMeanwhile) s.out(`  changed meanwhile: ${line}`);
  s.out(`HEAT calls: ${s.heat.stats().calls}`);
}

/**
 * `sbt-router rollback --policy VERSION --since DATE [--dry-run]`: undoes a bad rollout. The tickets
 * policy VERSION tagged or moved since DATE are re-decided under the active config; those whose
 * routing is still ours are moved back with one correcting note each, the tags and the per-school
 * counts follow, and tickets a person moved since are left alone and listed (docs/rollback.md).
 */
export function registerRollbackCommand(program: Command, ctx: CliContext): void {
  program
    .command('rollback')
    .description('re-decide, under the active config, the tickets a withdrawn policy version moved')
    .requiredOption('--policy <version>', 'the withdrawn policy version (SBT_PolicyVersion)')
    .requiredOption('--since <date>', 'when that version went live, ISO date or timestamp')
    .option('--dry-run', 'print what would change without writing anything')
    .option('--config <dir>', 'config folder (the corrected, active one)')
    .action(async (opts: RollbackOptions) => {
      const sinceMs = Date.parse(opts.since);
      if (Number.isNaN(sinceMs)) {
        ctx.stderr.write(`--since: "${opts.since}" is not a date. Fix: use an ISO date such as 2026-11-20\n`);
        process.exitCode = 2;
        return;
      }
      const version = opts.policy.trim();
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      if (version === '' || version === config.policyVersion) {
        ctx.stderr.write(
          `--policy: "${version}" is the policy version of the config in ${config.dir} itself. Fix: deploy the corrected routing.yaml (sbt-router status shows the version in force), then roll back the withdrawn version\n`,
        );
        process.exitCode = 2;
        return;
      }
      const redisUrl = opts.dryRun ? null : requireRedisUrl(ctx, config);
      if (!opts.dryRun && !redisUrl) return;
      const logger = createLogger({ level: config.service.logging.level, stream: ctx.stderr });
      let heat: HeatClient;
      try {
        heat = createHeatClient(heatClientConfigFrom(config.service, config.env), { logger });
      } catch (err) {
        ctx.stderr.write(`${coerceError(err).message}\n`);
        process.exitCode = 2;
        return;
      }
      const now = clockOf(ctx);
      const state: RunState = {
        config,
        heat,
        logger,
        version,
        dryRun: opts.dryRun ?? false,
        now,
        out: (line) => ctx.stdout.write(`${line}\n`),
        totals: {
          examined: 0,
          moved_back: 0,
          routed: 0,
          retagged: 0,
          left_alone: 0,
          unchanged: 0,
          failed: 0,
        },
        leftAlone: [],
        changedMeanwhile: [],
      };
      const redis = redisUrl ? connectForCommand(redisUrl) : null;
      const writers: Writers = redis
        ? {
            counts: createCountsService({
              redis,
              heat,
              logger,
              config: config.service,
              fields: config.routing.fields,
              now,
              scheduleReconcile: false,
            }),
            processed: createProcessedStore(redis, config.service.queue.prefix),
          }
        : { counts: null, processed: null };
      try {
        await runRollback(state, sinceMs, writers);
        printSummary(state);
        if (state.totals.failed > 0) process.exitCode = 1;
      } catch (err) {
        ctx.stderr.write(`rollback failed: ${coerceError(err).message}\n`);
        process.exitCode = 1;
      } finally {
        redis?.disconnect();
        heat.close();
      }
    });
}
