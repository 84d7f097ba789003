import type { Command } from 'commander';
import { compareDecisions } from '../../classify/index.js';
import type { HeatRecord } from '../../domain/index.js';
import type { CliContext } from '../cli-context.js';
import { loadPolicy, readJsonLines } from './classify.js';

export function registerReplayCommand(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description(
      'run two policies over the same tickets and print what would change (before an edit goes live)',
    )
    .argument('<file>', 'JSON Lines file of HEAT incidents, or "-" for stdin')
    .option('--config <dir>', 'the config folder in use now (default: SBT_CONFIG_DIR or the shipped config/)')
    .requiredOption('--against <dir>', 'the edited config folder to compare with')
    .option('--limit <n>', 'print at most this many changed tickets', '200')
    .action(async (file: string, opts: { config: string; against: string; limit: string }) => {
      const before = loadPolicy(ctx, opts.config);
      const after = loadPolicy(ctx, opts.against);
      if (!before || !after) return;
      const tickets: HeatRecord[] = [];
      for await (const item of readJsonLines(file)) {
        if ('error' in item) {
          ctx.stderr.write(`line ${item.line}: ${item.error}\n`);
          process.exitCode = 1;
          continue;
        }
        tickets.push(item.record);
      }
      const cmp = compareDecisions(tickets, before, after);
      const out = [
        `policy ${before.policyVersion} -> ${after.policyVersion}: ${cmp.changed} of ${cmp.total} tickets change category`,
        '',
        'category              before  after  change',
      ];
      for (const m of cmp.moves) {
        if (m.before === 0 && m.after === 0) continue;
        out.push(
          `${m.category.padEnd(20)}  ${String(m.before).padStart(6)}  ${String(m.after).padStart(5)}  ${(m.delta > 0 ? `+${m.delta}` : String(m.delta)).padStart(6)}`,
        );
      }
      const limit = Math.max(0, Number.parseInt(opts.limit, 10) || 0);
      if (cmp.changes.length > 0) out.push('', 'tickets that change');
      for (const c of cmp.changes.slice(0, limit)) {
        out.push(
          `  ${String(c.incidentNumber ?? c.recId ?? `#${c.index + 1}`)}: ${c.before.category} (${c.before.ruleId}) -> ${c.after.category} (${c.after.ruleId})${c.scopeChanged ? '  [scope changes]' : ''}`,
        );
      }
      if (cmp.changes.length > limit) out.push(`  ... and ${cmp.changes.length - limit} more (use --limit)`);
      ctx.stdout.write(`${out.join('\n')}\n`);
    });
}
