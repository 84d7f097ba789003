import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_FEATURE_SETTINGS, compilePolicy, type LabelledTicket } from '../../classify/index.js';
import { ConfigError, loadConfig, modelHashOf } from '../../config/index.js';
import { DEFAULT_TRAIN_SETTINGS, examplesFromLabelled, trainLinearModel } from '../../learn/index.js';
import type { CliContext } from '../cli-context.js';
import { readLabelled } from './evaluate.js';

interface TrainOptions {
  from: string[];
  out?: string;
  config?: string;
  seed?: string;
}

/** Serialises a model file with one feature per line, so that a diff of two models is readable. */
export function modelFileText(
  model: Record<string, unknown> & { weights: Record<string, number[]> },
): string {
  const { weights, ...head } = model;
  const lines = Object.entries(weights).map(([f, w]) => `    ${JSON.stringify(f)}: ${JSON.stringify(w)}`);
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headText},\n  "weights": {\n${lines.join(',\n')}\n  }\n}\n`;
}

/**
 * `sbt-router train --from labelled.jsonl [--from more.jsonl] --out config/model.json`: trains the
 * learned model (deterministic for a seed) and writes it as a candidate file; `replay` compares it with
 * the active one before an admin points routing.yaml's model.file at it.
 */
export function registerTrainCommand(program: Command, ctx: CliContext): void {
  program
    .command('train')
    .description('train the learned model from labelled JSON Lines; writes a model file (docs/model.md)')
    .requiredOption(
      '--from <file>',
      'labelled JSON Lines (each line a HEAT incident with "expect"); repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--out <file>', 'where to write the model', 'model.candidate.json')
    .option('--seed <n>', 'seed of the training order', String(DEFAULT_TRAIN_SETTINGS.seed))
    .option('--config <dir>', 'config folder (its normalise settings shape the features)')
    .action(async (opts: TrainOptions) => {
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) {
        ctx.stderr.write(`--seed: "${opts.seed}" is not an integer. Fix: e.g. --seed 1\n`);
        process.exitCode = 2;
        return;
      }
      let cfg;
      try {
        cfg = loadConfig({ dir: opts.config, env: ctx.env });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        ctx.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      const policy = compilePolicy({ ...cfg.routing, model: undefined }, cfg.policyVersion);
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
      const started = performance.now();
      const examples = examplesFromLabelled(tickets, policy, DEFAULT_FEATURE_SETTINGS);
      const model = trainLinearModel(
        examples,
        DEFAULT_FEATURE_SETTINGS,
        { ...DEFAULT_TRAIN_SETTINGS, seed },
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
