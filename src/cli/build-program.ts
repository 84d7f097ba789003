import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { CliContext } from './cli-context.js';
import { registerBackfillCommand } from './commands/backfill.js';
import { registerClassifyCommand } from './commands/classify.js';
import { registerConfigCheckCommand } from './commands/config-check.js';
import { registerEvalRealCommand } from './commands/eval-real.js';
import { registerEvalSchoolCommand } from './commands/eval-school.js';
import { registerTrainCommand } from './commands/train.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerReportCommand } from './commands/report.js';
import { registerRollbackCommand } from './commands/rollback.js';
import { registerStatusCommand } from './commands/status.js';
import { registerWorkerCommand } from './commands/worker.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('sbt-router')
    .description('Routes HEAT tickets by the school-based technician scope policy')
    .version(packageVersion())
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  registerWorkerCommand(program, ctx);
  registerBackfillCommand(program, ctx);
  registerRollbackCommand(program, ctx);
  registerClassifyCommand(program, ctx);
  registerExplainCommand(program, ctx);
  registerEvaluateCommand(program, ctx);
  registerReplayCommand(program, ctx);
  registerConfigCheckCommand(program, ctx);
  registerEvalRealCommand(program, ctx);
  registerEvalSchoolCommand(program, ctx);
  registerTrainCommand(program, ctx);
  registerReconcileCommand(program, ctx);
  registerReportCommand(program, ctx);
  registerStatusCommand(program, ctx);
  return program;
}
