import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_FEATURE_SETTINGS,
  compilePolicy,
  evaluateCorpus,
  evaluateDecisions,
  type LabelledTicket,
} from '../../classify/index.js';
import { modelHashOf } from '../../config/index.js';
import { loadConfigOrExplain } from '../load-config-or-explain.js';
import {
  crossValidate,
  examplesFromLabelled,
  trainLinearModel,
  withModelSettings,
} from '../../learn/index.js';
import type { CliContext } from '../cli-context.js';
import { formatHeadline, readLabelled } from './evaluate.js';

const DEV = '../shared/datasets/school-tickets-dev/tickets.jsonl';
const OWN = [
  'test/fixtures/labelled-tickets.jsonl',
  'test/fixtures/holdout-tickets.jsonl',
  'test/fixtures/school-voices.jsonl',
  'test/fixtures/office-voices.jsonl',
  'test/fixtures/workplace-voices.jsonl',
  'test/fixtures/idiom-voices.jsonl',
];

interface EvalSchoolOptions {
  dev: string;
  own: string[];
  folds: string;
  config?: string;
}

/**
 * `npm run eval:school`: the classifier (rules + model + guard) on the shared school dev corpus, twice:
 * (1) with a model trained on the project's own corpora only, and (2) by k-fold cross-validation on the
 * dev corpus (the project's corpora in every training side). No ticket is ever scored by a model that
 * was trained on it.
 */
export function registerEvalSchoolCommand(program: Command, ctx: CliContext): void {
  program
    .command('eval-school')
    .description('the classifier on the shared school dev corpus: trained apart from it, and cross-validated')
    .option('--dev <file>', 'the labelled school dev corpus', DEV)
    .option(
      '--own <file>',
      "the project's own labelled corpora (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--folds <k>', 'folds of the cross-validation', '5')
    .option('--config <dir>', 'config folder')
    .action(async (opts: EvalSchoolOptions) => {
      const devFile = resolve(opts.dev);
      if (!existsSync(devFile)) {
        ctx.stderr.write(
          `eval-school: ${devFile} not found. Fix: run from the repository with ../shared beside it, or pass --dev FILE\n`,
        );
        process.exitCode = 2;
        return;
      }
      const cfg = loadConfigOrExplain(ctx, opts.config);
      if (!cfg) return;
      const dev = await readLabelled(ctx, devFile);
      const own: LabelledTicket[] = [];
      for (const f of opts.own.length > 0 ? opts.own : OWN) own.push(...(await readLabelled(ctx, f)).tickets);
      const rules = compilePolicy({ ...cfg.routing, model: undefined }, cfg.policyVersion);
      const routing = withModelSettings(cfg.routing);

      ctx.stdout.write(
        `School dev corpus: ${dev.tickets.length} tickets; the project's own corpora: ${own.length}\n\n`,
      );
      ctx.stdout.write(`== rules alone ==\n${formatHeadline(evaluateCorpus(dev.tickets, rules))}\n\n`);

      const started = performance.now();
      const file = trainLinearModel(
        examplesFromLabelled(own, rules, DEFAULT_FEATURE_SETTINGS),
        DEFAULT_FEATURE_SETTINGS,
      );
      const trainedSeconds = (performance.now() - started) / 1000;
      const apart = compilePolicy(
        routing,
        cfg.policyVersion,
        { file: 'routing.yaml' },
        { file, hash: modelHashOf(JSON.stringify(file)) },
      );
      ctx.stdout.write(
        `== trained on the project's corpora only (${own.length} tickets, ${trainedSeconds.toFixed(1)} s), tested on the dev corpus ==\n` +
          `${formatHeadline(evaluateCorpus(dev.tickets, apart))}\n\n`,
      );

      const folds = Number(opts.folds);
      const decisions = crossValidate({
        tickets: dev.tickets,
        alsoTrainOn: own,
        routing,
        policyVersion: cfg.policyVersion,
        folds,
      });
      ctx.stdout.write(
        `== ${folds}-fold cross-validation on the dev corpus (the project's corpora in every training side) ==\n` +
          `${formatHeadline(evaluateDecisions(dev.tickets, decisions, rules.restricted))}\n`,
      );
    });
}
