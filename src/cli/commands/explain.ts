import type { Command } from 'commander';
import { classifyTicket } from '../../classify/index.js';
import type { Decision, HeatRecord } from '../../domain/index.js';
import type { CliContext } from '../cli-context.js';
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

export function registerExplainCommand(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .description("print each ticket's decision and the reasons behind it, for people")
    .argument('<file>', 'JSON Lines file of HEAT incidents, or "-" for stdin')
    .option('--config <dir>', 'config folder')
    .action(async (file: string, opts: { config?: string }) => {
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
