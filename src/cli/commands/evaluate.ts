import type { Command } from 'commander';
import {
  evaluateCorpus,
  evaluateDecisions,
  type EvaluationReport,
  type LabelledTicket,
} from '../../classify/index.js';
import { loadConfig } from '../../config/index.js';
import { crossValidate } from '../../learn/index.js';
import { CATEGORY_IDS, isCategoryId } from '../../domain/index.js';
import type { CliContext } from '../cli-context.js';
import { loadPolicy, readJsonLines } from './classify.js';

const pct = (n: number | null): string => (n === null ? 'n/a' : `${(n * 100).toFixed(1)}%`);

/** Short column names for the confusion matrix. */
const SHORT: Record<string, string> = {
  hardware: 'hw',
  software_access: 'sw',
  telephone: 'tel',
  website: 'web',
  office_development: 'od',
  application_support: 'app',
  gradebook_admin: 'gb',
  unclassified: 'unc',
};

/** The headline figures: accuracy, scope, the two safety figures, per language, calibration. */
export function formatHeadline(report: EvaluationReport): string {
  const s = report.safety;
  const out = [
    `tickets ${report.total}: accuracy ${pct(report.accuracy)}, scope accuracy ${pct(report.scopeAccuracy)}`,
    `gradebook recall ${pct(s.gradebookTickets ? s.gradebookRecalled / s.gradebookTickets : null)} (${s.gradebookRecalled}/${s.gradebookTickets}); gradebook tickets decided in scope: ${s.gradebookInScope}`,
    `in-scope work sent away: ${pct(s.inScopeTickets ? s.inScopeSentAway / s.inScopeTickets : null)} (${s.inScopeSentAway}/${s.inScopeTickets})`,
    `by language: ${report.byLanguage.map((l) => `${l.lang} ${pct(l.accuracy)} (${l.correct}/${l.total})`).join(', ')}`,
    `calibration (confidence -> share right): ${report.calibration
      .map(
        (b) =>
          `[${b.from.toFixed(2)}-${b.to.toFixed(2)}) n=${b.count} mean ${b.meanConfidence.toFixed(2)} right ${pct(b.correct / b.count)}`,
      )
      .join('; ')}`,
  ];
  return out.join('\n');
}

/** Reads labelled JSON Lines; prints each unreadable line to stderr; returns the tickets and the count of bad lines. */
export async function readLabelled(
  ctx: CliContext,
  file: string,
): Promise<{ tickets: LabelledTicket[]; bad: number }> {
  const tickets: LabelledTicket[] = [];
  let bad = 0;
  for await (const item of readJsonLines(file)) {
    if ('error' in item) {
      ctx.stderr.write(`${file} line ${item.line}: ${item.error}\n`);
      bad++;
      continue;
    }
    const expect = item.record['expect'];
    if (!Array.isArray(expect) || expect.length === 0 || !expect.every(isCategoryId)) {
      ctx.stderr.write(
        `${file} line ${item.line}: "expect" must be a non-empty list of category ids (${CATEGORY_IDS.join(', ')})\n`,
      );
      bad++;
      continue;
    }
    tickets.push(item.record as LabelledTicket);
  }
  return { tickets, bad };
}

export function formatEvaluation(report: EvaluationReport): string {
  const out: string[] = [];
  out.push(formatHeadline(report), '');
  out.push(`tickets ${report.total}, correct ${report.correct}, accuracy ${pct(report.accuracy)}`);
  out.push(
    `restricted recall ${pct(report.restrictedRecall)} (of ${report.restrictedSupport}), restricted precision ${pct(report.restrictedPrecision)} (of ${report.restrictedPredicted})`,
  );
  out.push('', 'category              precision  recall  support');
  for (const c of report.perCategory) {
    out.push(
      `${c.category.padEnd(20)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(6)}  ${String(c.support).padStart(7)}`,
    );
  }
  out.push('', `confusion (rows expected, columns decided)`);
  out.push(`${''.padEnd(20)}${CATEGORY_IDS.map((c) => SHORT[c]!.padStart(5)).join('')}`);
  for (const e of CATEGORY_IDS)
    out.push(
      `${e.padEnd(20)}${CATEGORY_IDS.map((p) => String(report.confusion[e][p]).padStart(5)).join('')}`,
    );
  out.push('', `misses (${report.misses.length})`);
  for (const m of report.misses) {
    out.push(
      `  #${m.index + 1} ${String(m.incidentNumber ?? m.recId ?? '?')}: expected ${m.expect.join('|')}, decided ${m.got} (rule ${m.ruleId}, confidence ${m.confidence})`,
    );
    for (const r of m.reasons)
      out.push(
        `      ${r.weight} ${r.category} by ${r.ruleId}: ${r.matches.map((x) => `${x.kind} "${x.value}" in ${x.field}`).join(', ')}`,
      );
  }
  return out.join('\n');
}

interface EvaluateOptions {
  config?: string;
  minAccuracy?: string;
  minRestrictedRecall?: string;
  minRestrictedPrecision?: string;
  json?: boolean;
  cv?: string;
  trainWith?: string[];
}

function fraction(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new Error(`${name} must be a fraction between 0 and 1 (e.g. 0.95), got "${value}"`);
  return n;
}

export function registerEvaluateCommand(program: Command, ctx: CliContext): void {
  program
    .command('evaluate')
    .description(
      'measure the policy on labelled tickets (each with an "expect" list of acceptable category ids)',
    )
    .argument('<labelled>', 'JSON Lines file of labelled HEAT incidents')
    .option('--config <dir>', 'config folder')
    .option('--min-accuracy <fraction>', 'exit 1 when accuracy is below this (e.g. 0.95)')
    .option('--min-restricted-recall <fraction>', 'exit 1 when restricted recall is below this (e.g. 1)')
    .option(
      '--min-restricted-precision <fraction>',
      'exit 1 when restricted precision is below this (e.g. 0.95)',
    )
    .option('--json', 'print the report as JSON')
    .option('--cv <folds>', 'k-fold cross-validation: each ticket decided by a model trained without it')
    .option(
      '--train-with <file>',
      'with --cv: labelled JSON Lines added to every training side (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(async (file: string, opts: EvaluateOptions) => {
      const minAccuracy = fraction('--min-accuracy', opts.minAccuracy);
      const minRecall = fraction('--min-restricted-recall', opts.minRestrictedRecall);
      const minPrecision = fraction('--min-restricted-precision', opts.minRestrictedPrecision);
      const folds = opts.cv === undefined ? undefined : Number(opts.cv);
      if (folds !== undefined && (!Number.isInteger(folds) || folds < 2)) {
        ctx.stderr.write(
          `--cv: "${opts.cv}" is not a number of folds. Fix: use an integer of 2 or more, e.g. --cv 5\n`,
        );
        process.exitCode = 2;
        return;
      }
      const policy = loadPolicy(ctx, opts.config);
      if (!policy) return;
      const read = await readLabelled(ctx, file);
      let bad = read.bad;
      const tickets = read.tickets;
      let report: EvaluationReport;
      if (folds !== undefined) {
        const cfg = loadConfig({ dir: opts.config, env: ctx.env });
        const extra: LabelledTicket[] = [];
        for (const f of opts.trainWith ?? []) {
          const more = await readLabelled(ctx, f);
          bad += more.bad;
          extra.push(...more.tickets);
        }
        const decisions = crossValidate({
          tickets,
          alsoTrainOn: extra,
          routing: cfg.routing,
          policyVersion: cfg.policyVersion,
          folds,
        });
        report = evaluateDecisions(tickets, decisions, policy.restricted);
        ctx.stderr.write(
          `cross-validated: ${folds} folds over ${tickets.length} tickets, ${extra.length} more in every training side\n`,
        );
      } else {
        report = evaluateCorpus(tickets, policy);
      }
      ctx.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `${formatEvaluation(report)}\n`);
      const failures: string[] = [];
      if (bad > 0) failures.push(`${bad} line(s) could not be read`);
      if (minAccuracy !== undefined && report.accuracy < minAccuracy)
        failures.push(`accuracy ${pct(report.accuracy)} < ${pct(minAccuracy)}`);
      if (minRecall !== undefined && (report.restrictedRecall ?? 0) < minRecall)
        failures.push(`restricted recall ${pct(report.restrictedRecall)} < ${pct(minRecall)}`);
      if (minPrecision !== undefined && (report.restrictedPrecision ?? 1) < minPrecision)
        failures.push(`restricted precision ${pct(report.restrictedPrecision)} < ${pct(minPrecision)}`);
      if (failures.length > 0) {
        ctx.stderr.write(`evaluate: thresholds not met: ${failures.join('; ')}\n`);
        process.exitCode = 1;
      }
    });
}
