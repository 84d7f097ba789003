import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { classifyTicket, compileLoadedPolicy, type CompiledPolicy } from '../../classify/index.js';
import { ConfigError, loadConfig } from '../../config/index.js';
import type { HeatRecord } from '../../domain/index.js';
import type { CliContext } from '../cli-context.js';
import { coerceError } from '../../domain/index.js';

/** One input line: a parsed JSON object, or why it is not one. */
export type JsonLine = { line: number; record: HeatRecord } | { line: number; error: string };

/** Reads JSON Lines from a file, or from stdin when the path is missing or "-". Blank lines are skipped. */
export async function* readJsonLines(
  file: string | undefined,
  stdin: Readable = process.stdin,
): AsyncGenerator<JsonLine> {
  const input = file === undefined || file === '-' ? stdin : createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line: n, error: `not valid JSON (${coerceError(err).message})` };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line: n, error: 'expected a JSON object (one HEAT incident with its field names)' };
      continue;
    }
    yield { line: n, record: value as HeatRecord };
  }
}

/** Loads config (service.yaml + routing.yaml) and compiles the policy; prints a ConfigError and returns null. */
export function loadPolicy(ctx: CliContext, dir: string | undefined): CompiledPolicy | null {
  try {
    const cfg = loadConfig({ dir, env: ctx.env });
    return compileLoadedPolicy(cfg);
  } catch (err) {
    if (err instanceof ConfigError) {
      ctx.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return null;
    }
    throw err;
  }
}

export function registerClassifyCommand(program: Command, ctx: CliContext): void {
  program
    .command('classify')
    .description(
      'classify HEAT incidents given as JSON Lines (stdin when FILE is missing or "-"); one JSON line out per line in',
    )
    .argument('[file]', 'JSON Lines file, one HEAT incident per line')
    .option('--config <dir>', 'config folder (default: SBT_CONFIG_DIR or the shipped config/)')
    .action(async (file: string | undefined, opts: { config?: string }) => {
      const policy = loadPolicy(ctx, opts.config);
      if (!policy) return;
      let failed = false;
      for await (const item of readJsonLines(file)) {
        if ('error' in item) {
          failed = true;
          ctx.stdout.write(`${JSON.stringify({ line: item.line, error: item.error })}\n`);
          continue;
        }
        const d = classifyTicket(item.record, policy);
        ctx.stdout.write(
          `${JSON.stringify({
            RecId: item.record['RecId'] ?? null,
            IncidentNumber: item.record['IncidentNumber'] ?? null,
            category: d.category,
            scope: d.scope,
            ruleId: d.ruleId,
            confidence: d.confidence,
            reasons: d.reasons,
          })}\n`,
        );
      }
      if (failed) process.exitCode = 1;
    });
}
