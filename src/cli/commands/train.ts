import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_FEATURE_SETTINGS, compilePolicy, type LabelledTicket } from '../../classify/index.js';
import { modelHashOf } from '../../config/index.js';
import { loadConfigOrExplain } from '../load-config-or-explain.js';
import {
  DEFAULT_HISTORY_WEIGHTS,
  DEFAULT_TRAIN_SETTINGS,
  examplesFromLabelled,
  trainLinearModel,
} from '../../learn/index.js';
import type { CliContext } from '../cli-context.js';
import { readLabelled } from './evaluate.js';
import { modelFileText } from './model-file-text.js';
import { trainFromHeat } from './train-from-heat.js';

export { modelFileText } from './model-file-text.js';

interface TrainOptions {
  from: string[];
  fromHeat?: boolean;
  since?: string;
  out?: string;
  config?: string;
  seed?: string;
  overrideWeight: string;
  historyWeight: string;
  holdout: string;
}

/** The numeric options, or null after printing which one is wrong and how to fix it. */
function numbers(
  ctx: CliContext,
  opts: TrainOptions,
): { seed: number; override: number; closed: number; holdout: number } | null {
  const fail = (text: string): null => {
    ctx.stderr.write(`${text}\n`);
    process.exitCode = 2;
    return null;
  };
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed)) return fail(`--seed: "${opts.seed}" is not an integer. Fix: e.g. --seed 1`);
  const override = Number(opts.overrideWeight);
  if (!(override > 0))
    return fail(
      `--override-weight: "${opts.overrideWeight}" is not a positive number. Fix: e.g. --override-weight 3`,
    );
  const closed = Number(opts.historyWeight);
  if (!(closed > 0))
    return fail(
      `--history-weight: "${opts.historyWeight}" is not a positive number. Fix: e.g. --history-weight 1`,
    );
  const holdout = Number(opts.holdout);
  if (!(holdout >= 0 && holdout < 1))
    return fail(`--holdout: "${opts.holdout}" is not a share in [0, 1). Fix: e.g. --holdout 0.2`);
  return { seed, override, closed, holdout };
}

/**
 * `sbt-router train --from labelled.jsonl [--from more.jsonl] --out config/model.json`: trains the
 * learned model (deterministic for a seed) and writes it as a candidate file; `replay` compares it with
 * the active one before an admin points routing.yaml's model.file at it. With `--from-heat --since
 * DATE` the labels come from HEAT's own history (train-from-heat.ts).
 */
export function registerTrainCommand(program: Command, ctx: CliContext): void {
  program
    .command('train')
    .description(
      'train the learned model from labelled JSON Lines or HEAT history; writes a candidate model file (docs/model.md)',
    )
    .option(
      '--from <file>',
      'labelled JSON Lines (each line a HEAT incident with "expect"); repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--from-heat',
      "learn from HEAT's history: resolved/closed tickets' final teams and people's overrides",
    )
    .option('--since <date>', 'with --from-heat: closed tickets created since this date, e.g. 2026-01-01')
    .option(
      '--out <file>',
      'where to write the model (default model.candidate.json; with --from-heat <config>/model.candidate.json)',
    )
    .option('--seed <n>', 'seed of the training order', String(DEFAULT_TRAIN_SETTINGS.seed))
    .option(
      '--override-weight <n>',
      "with --from-heat: weight of a person's override",
      String(DEFAULT_HISTORY_WEIGHTS.override),
    )
    .option(
      '--history-weight <n>',
      "with --from-heat: weight of a closed ticket's final team",
      String(DEFAULT_HISTORY_WEIGHTS.closed),
    )
    .option(
      '--holdout <share>',
      'with --from-heat: the newest share of tickets held out for the figures',
      '0.2',
    )
    .option('--config <dir>', 'config folder (its normalise settings shape the features)')
    .action(async (opts: TrainOptions) => {
      const n = numbers(ctx, opts);
      if (!n) return;
      if (!opts.fromHeat && opts.from.length === 0) {
        ctx.stderr.write(
          'train: nothing to learn from. Fix: give --from FILE (repeatable) or --from-heat --since DATE\n',
        );
        process.exitCode = 2;
        return;
      }
      const sinceMs = opts.since === undefined ? Number.NaN : Date.parse(opts.since);
      if (opts.fromHeat && Number.isNaN(sinceMs)) {
        ctx.stderr.write(
          `--since: "${opts.since ?? ''}" is not a date. Fix: with --from-heat give --since 2026-01-01\n`,
        );
        process.exitCode = 2;
        return;
      }
      const cfg = loadConfigOrExplain(ctx, opts.config);
      if (!cfg) return;
      const sources: Array<{ file: string; tickets: number }> = [];
      const tickets: LabelledTicket[] = [];
      let bad = 0;
      for (const file of opts.from) {
        const read = await readLabelled(ctx, file);
        bad += read.bad;
        tickets.push(...read.tickets);
        sources.push({ file: basename(file), tickets: read.tickets.length });
      }
      if (bad > 0) {
        ctx.stderr.write(`train: ${bad} line(s) could not be read; nothing written. Fix the lines above.\n`);
        process.exitCode = 1;
        return;
      }
      if (opts.fromHeat) {
        await trainFromHeat(ctx, {
          config: cfg,
          sinceMs,
          since: opts.since!,
          ...(opts.out ? { out: opts.out } : {}),
          seed: n.seed,
          weights: { override: n.override, closed: n.closed },
          holdout: n.holdout,
          labelled: tickets,
          sources,
        });
        return;
      }
      const policy = compilePolicy({ ...cfg.routing, model: undefined }, cfg.policyVersion);
      const started = performance.now();
      const examples = examplesFromLabelled(tickets, policy, DEFAULT_FEATURE_SETTINGS);
      const model = trainLinearModel(
        examples,
        DEFAULT_FEATURE_SETTINGS,
        { ...DEFAULT_TRAIN_SETTINGS, seed: n.seed },
        { sources },
      );
      const seconds = (performance.now() - started) / 1000;
      const text = modelFileText(model);
      const out = resolve(opts.out ?? 'model.candidate.json');
      writeFileSync(out, text);
      ctx.stdout.write(
        `trained on ${examples.length} tickets (${sources.map((s) => `${s.file} ${s.tickets}`).join(', ')}) in ${seconds.toFixed(1)} s\n` +
          `${Object.keys(model.weights).length} features, ${model.labels.length} labels, temperature ${model.temperature}\n` +
          `wrote ${out} (${(text.length / 1e6).toFixed(1)} MB, version ${modelHashOf(text)})\n`,
      );
    });
}
