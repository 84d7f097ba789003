import type { Command } from 'commander';
import { fieldsMissingFrom, planActions, planContextFrom } from '../../actions/index.js';
import { classifyTicket, compileLoadedPolicy } from '../../classify/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ActionPlan, Decision, HeatRecord, Ticket } from '../../domain/index.js';
import { coerceError } from '../../domain/index.js';
import { eq, HeatApiError, type HeatClient } from '../../heat/index.js';
import { createLogger } from '../../observability/index.js';
import { buildHeatClient } from '../../service/index.js';
import { clockOf, type CliContext } from '../cli-context.js';
import { loadConfigOrExplain } from '../load-config-or-explain.js';
import { loadPolicy, readJsonLines } from './classify.js';

/** A decision for people: verdict, scores, and each rule that fired with what matched where. */
export function formatDecision(record: HeatRecord, d: Decision, threshold: number): string {
  const id = record['IncidentNumber'] ?? record['RecId'] ?? '?';
  const lines = [
    `Incident ${String(id)}: ${d.category} (${d.scope})${d.restricted ? ' RESTRICTED' : ''}, rule ${d.ruleId}, confidence ${d.confidence}`,
    `  winner ${d.winner.category} ${d.winner.score}; runner-up ${d.runnerUp ? `${d.runnerUp.category} ${d.runnerUp.score}` : 'none'}; threshold ${threshold}; policy ${d.policyVersion}`,
  ];
  if (d.reasons.length === 0) lines.push('  no rule fired');
  for (const r of d.reasons) {
    const matches = r.matches.map((m) => `${m.kind} "${m.value}" in ${m.field}`).join(', ');
    lines.push(`  ${r.weight >= 0 ? '+' : ''}${r.weight} ${r.category} by ${r.ruleId}: ${matches}`);
  }
  return lines.join('\n');
}

/** Fields of the ticket shown as "now": our tags (routing.yaml fields) and where HEAT has it. */
function currentFields(ticket: Ticket, config: LoadedConfig): Array<[string, unknown]> {
  const ours = new Set<string>(Object.values(config.routing.fields));
  for (const key of Object.keys(ticket)) if (key.startsWith('SBT_')) ours.add(key);
  return [...[...ours].sort(), 'OwnerTeam', 'Owner', 'Status'].map((f) => [f, ticket[f] ?? null]);
}

const shown = (v: unknown): string =>
  v === null || v === undefined || v === '' ? '(empty)' : JSON.stringify(v);

/**
 * One HEAT ticket explained for people: the decision and its reasons (policy words and model feature
 * names only), the destination, what the worker would write and what the ticket carries now. Never
 * the ticket's Subject or Symptom.
 */
export function formatTicketExplanation(
  ticket: Ticket,
  d: Decision,
  plan: ActionPlan,
  config: LoadedConfig,
  threshold: number,
  missingFields: ReadonlySet<string> = new Set(),
): string {
  const destination = config.routing.categories[d.category]?.destination ?? null;
  const lines = [
    formatDecision(ticket, d, threshold),
    `  decided by ${d.decidedBy ?? 'rules'}; destination ${destination ?? `none configured (in scope: the school's technicians)`}`,
  ];
  if (d.model) {
    lines.push(
      `  model ${d.model.version}: ${d.model.top.map((t) => `${t.category} ${t.probability.toFixed(2)}`).join(', ')}; gradebook ${d.model.gradebookProbability.toFixed(2)}`,
    );
    if (d.model.strongest.length > 0) {
      lines.push(
        `  model's strongest features: ${d.model.strongest.map((f) => `${f.feature} ${f.weight >= 0 ? '+' : ''}${f.weight.toFixed(2)}`).join(', ')}`,
      );
    }
  }
  lines.push(
    '',
    `Would do (${config.service.mode} mode): ${plan.kind}${plan.why.length > 0 ? ` (${plan.why.join(', ')})` : ''}`,
  );
  const writes = Object.entries(plan.fields);
  if (writes.length === 0) lines.push('  no field writes (the ticket already carries this decision)');
  for (const [field, value] of writes) {
    lines.push(`  write ${field} = ${value === null || value === '' ? '(clear)' : shown(value)}`);
  }
  if (missingFields.size > 0) {
    lines.push(
      `  not written (the tenant's incidents lack these fields): ${[...missingFields].sort().join(', ')}`,
    );
  }
  lines.push(`  move: ${plan.moveTo ? `to ${plan.moveTo}` : 'none'}`);
  lines.push(
    `  note: ${plan.note ? `"${plan.note.subject}"${plan.noteMode === 'if-missing' ? ' (only if missing)' : ''}` : 'none'}`,
  );
  lines.push('', 'The ticket now:');
  for (const [field, value] of currentFields(ticket, config)) lines.push(`  ${field} = ${shown(value)}`);
  return `${lines.join('\n')}\n`;
}

interface ExplainOptions {
  config?: string;
  incident?: string;
  recid?: string;
  json?: boolean;
}

/** The ticket by IncidentNumber or RecId, or null when HEAT has none. */
async function readTicket(heat: HeatClient, set: string, opts: ExplainOptions): Promise<Ticket | null> {
  if (opts.recid !== undefined) {
    try {
      return (await heat.getByRecId(set, opts.recid)) as Ticket;
    } catch (err) {
      if (err instanceof HeatApiError && err.isNotFound) return null;
      throw err;
    }
  }
  const found = await heat.list(set, { filter: eq('IncidentNumber', Number(opts.incident)), top: 2 });
  return (found[0] as Ticket | undefined) ?? null;
}

async function explainFromHeat(ctx: CliContext, opts: ExplainOptions): Promise<void> {
  if (opts.incident !== undefined && !/^\d+$/.test(opts.incident)) {
    ctx.stderr.write(
      `--incident ${opts.incident}: not an incident number. Fix: give digits, e.g. --incident 12345\n`,
    );
    process.exitCode = 2;
    return;
  }
  const config = loadConfigOrExplain(ctx, opts.config);
  if (!config) return;
  const service = config.service;
  const logger = createLogger({ level: service.logging.level, stream: ctx.stderr });
  let heat: HeatClient;
  try {
    heat = buildHeatClient(config, logger);
  } catch (err) {
    ctx.stderr.write(`${coerceError(err).message}\n`);
    process.exitCode = 2;
    return;
  }
  const what = opts.recid !== undefined ? `RecId ${opts.recid}` : `incident ${opts.incident}`;
  try {
    const ticket = await readTicket(heat, service.heat.incidentSet, opts);
    if (!ticket) {
      ctx.stderr.write(`${what}: not found in HEAT (${service.heat.incidentSet}). Fix: check the number\n`);
      process.exitCode = 1;
      return;
    }
    // As the worker does at start-up (checkTenantFields): a record lists every field of its object, so
    // the ticket itself shows which of routing.yaml's fields the tenant lacks; those are never written.
    const missingFields = new Set(fieldsMissingFrom(ticket, config.routing.fields));
    const policy = compileLoadedPolicy(config);
    const decision = classifyTicket(ticket, policy);
    const plan = planActions(ticket, decision, planContextFrom(config, clockOf(ctx)(), missingFields));
    if (opts.json) {
      ctx.stdout.write(
        `${JSON.stringify(
          {
            recId: ticket.RecId ?? null,
            incidentNumber: ticket.IncidentNumber ?? null,
            decision,
            destination: config.routing.categories[decision.category]?.destination ?? null,
            plan: {
              kind: plan.kind,
              fields: plan.fields,
              moveTo: plan.moveTo,
              note: plan.note,
              why: plan.why,
            },
            now: Object.fromEntries(currentFields(ticket, config)),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      ctx.stdout.write(
        formatTicketExplanation(ticket, decision, plan, config, policy.threshold, missingFields),
      );
    }
  } catch (err) {
    ctx.stderr.write(`explain ${what} failed: ${coerceError(err).message}\n`);
    process.exitCode = 1;
  } finally {
    heat.close();
  }
}

export function registerExplainCommand(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .description(
      "print a ticket's decision and the reasons behind it, for people (from a file, or from HEAT with --incident/--recid)",
    )
    .argument('[file]', 'JSON Lines file of HEAT incidents, or "-" for stdin')
    .option(
      '--incident <number>',
      'read this incident from HEAT (IncidentNumber) and show what would be written',
    )
    .option('--recid <id>', 'read this incident from HEAT by RecId')
    .option('--json', 'with --incident/--recid: print the explanation as JSON')
    .option('--config <dir>', 'config folder')
    .action(async (file: string | undefined, opts: ExplainOptions) => {
      const fromHeat = opts.incident !== undefined || opts.recid !== undefined;
      if (
        [file !== undefined, opts.incident !== undefined, opts.recid !== undefined].filter(Boolean).length !==
        1
      ) {
        ctx.stderr.write(
          'explain: give exactly one of FILE (or "-"), --incident NUMBER or --recid ID. Fix: e.g. sbt-router explain --incident 12345\n',
        );
        process.exitCode = 2;
        return;
      }
      if (fromHeat || file === undefined) {
        await explainFromHeat(ctx, opts);
        return;
      }
      const policy = loadPolicy(ctx, opts.config);
      if (!policy) return;
      let failed = false;
      for await (const item of readJsonLines(file)) {
        if ('error' in item) {
          failed = true;
          ctx.stdout.write(`Line ${item.line}: ${item.error}\n\n`);
          continue;
        }
        ctx.stdout.write(
          `${formatDecision(item.record, classifyTicket(item.record, policy), policy.threshold)}\n\n`,
        );
      }
      if (failed) process.exitCode = 1;
    });
}
