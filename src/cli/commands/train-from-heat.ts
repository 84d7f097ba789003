import { writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import {
  DEFAULT_FEATURE_SETTINGS,
  classifyTicket,
  compileLoadedPolicy,
  compilePolicy,
  evaluateDecisions,
  type CompiledPolicy,
  type LabelledTicket,
} from '../../classify/index.js';
import { modelHashOf, type LoadedConfig, type ModelFile } from '../../config/index.js';
import { coerceError } from '../../domain/index.js';
import { buildHeatClient } from '../../service/index.js';
import {
  DEFAULT_TRAIN_SETTINGS,
  examplesFromLabelled,
  labelsFromHistory,
  readHeatHistory,
  timeSplit,
  trainLinearModel,
  withModelSettings,
  type HistoryExample,
  type HistorySkipped,
} from '../../learn/index.js';
import { createLogger } from '../../observability/index.js';
import type { CliContext } from '../cli-context.js';
import { formatHeadline } from './evaluate.js';
import { modelFileText } from './model-file-text.js';

export interface TrainFromHeatInput {
  config: LoadedConfig;
  sinceMs: number;
  since: string;
  out?: string;
  seed: number;
  weights: { override: number; closed: number };
  holdout: number;
  /** Labelled tickets from --from files, always on the training side. */
  labelled: LabelledTicket[];
  sources: Array<{ file: string; tickets: number }>;
}

function describeSkipped(s: HistorySkipped): string {
  const total = s.noTeam + s.unmappedTeam + s.atIntake + s.inScopeUnsure + s.undated;
  return (
    `skipped ${total}: ${s.atIntake} still with the intake team, ${s.unmappedTeam} owned by a team of no category, ` +
    `${s.noTeam} without a team, ${s.inScopeUnsure} technicians' tickets neither hardware nor software access, ${s.undated} undated`
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function candidatePolicy(config: LoadedConfig, model: ModelFile, hash: string): CompiledPolicy {
  const routing = withModelSettings(config.routing);
  return compilePolicy(routing, `candidate-${hash}`, config.routingSource, { file: model, hash });
}

/** Where the candidate goes (never the active model file); null after printing why not. */
function candidatePath(ctx: CliContext, config: LoadedConfig, out: string | undefined): string | null {
  const path = resolve(out ?? join(config.dir, 'model.candidate.json'));
  const active = config.routing.model ? resolve(config.dir, config.routing.model.file) : null;
  if (active !== null && path === active) {
    ctx.stderr.write(
      `--out ${out}: that is the active model (routing.yaml model.file). Fix: write the candidate elsewhere, e.g. --out ${join(config.dir, 'model.candidate.json')}, and activate it after replay\n`,
    );
    process.exitCode = 2;
    return null;
  }
  return path;
}

async function readExamples(
  ctx: CliContext,
  input: TrainFromHeatInput,
  active: CompiledPolicy,
): Promise<{
  examples: HistoryExample[];
  closed: number;
  overrides: number;
  skipped: HistorySkipped;
} | null> {
  const { config } = input;
  const logger = createLogger({ level: config.service.logging.level, stream: ctx.stderr });
  let heat;
  try {
    heat = buildHeatClient(config, logger);
  } catch (err) {
    ctx.stderr.write(`${coerceError(err).message}\n`);
    process.exitCode = 2;
    return null;
  }
  try {
    const history = await readHeatHistory(heat, {
      set: config.service.heat.incidentSet,
      sinceMs: input.sinceMs,
      overrideField: config.routing.fields.override,
      filterDateFormat: config.service.heat.filterDateFormat,
      pageSize: config.service.heat.pageSize,
    });
    const labelled = labelsFromHistory([...history.overrides, ...history.closed], config.routing, {
      decide: (record) => classifyTicket(record, active),
      weights: input.weights,
    });
    return { ...labelled, closed: history.closed.length, overrides: history.overrides.length };
  } catch (err) {
    ctx.stderr.write(`train: reading HEAT failed: ${coerceError(err).message}\n`);
    process.exitCode = 1;
    return null;
  } finally {
    heat.close();
  }
}

/**
 * `train --from-heat --since DATE`: labels from the help desk's own history (final teams of closed
 * tickets, people's overrides), the newest share held out by CreatedDateTime, a candidate trained on
 * the rest (plus --from files), and the candidate's and the active model's figures on the held-out
 * tickets. Writes only the candidate file.
 */
export async function trainFromHeat(ctx: CliContext, input: TrainFromHeatInput): Promise<void> {
  const { config } = input;
  const out = candidatePath(ctx, config, input.out);
  if (!out) return;
  const active = compileLoadedPolicy(config);
  const read = await readExamples(ctx, input, active);
  if (!read) return;
  const { train, heldOut } = timeSplit(read.examples, input.holdout);
  const lines = [
    `read from HEAT: ${read.closed} resolved/closed created since ${input.since}, ${read.overrides} overrides`,
    `examples ${read.examples.length} (${read.examples.filter((e) => e.source === 'override').length} overrides weight ${input.weights.override}, ${read.examples.filter((e) => e.source === 'closed').length} closed weight ${input.weights.closed}); ${describeSkipped(read.skipped)}`,
    `held out ${heldOut.length} newest (${Math.round(input.holdout * 100)}%${heldOut.length > 0 ? `, created ${new Date(heldOut[0]!.createdMs).toISOString()} onward` : ''}); training on ${train.length} from HEAT + ${input.labelled.length} labelled`,
  ];
  const rulesOnly = compilePolicy({ ...config.routing, model: undefined }, config.policyVersion);
  const features = DEFAULT_FEATURE_SETTINGS;
  const examples = [
    ...train.flatMap((e) => examplesFromLabelled([e.ticket], rulesOnly, features, e.weight)),
    ...examplesFromLabelled(input.labelled, rulesOnly, features),
  ];
  let model: ModelFile;
  try {
    model = trainLinearModel(
      examples,
      features,
      { ...DEFAULT_TRAIN_SETTINGS, seed: input.seed },
      {
        sources: [
          {
            heat: `since ${input.since}`,
            tickets: train.length,
            heldOut: heldOut.length,
            weights: input.weights,
          },
          ...input.sources,
        ],
      },
    );
  } catch (err) {
    ctx.stdout.write(`${lines.join('\n')}\n`);
    ctx.stderr.write(
      `train: ${coerceError(err).message}; nothing written. Fix: an earlier --since, or add --from labelled files\n`,
    );
    process.exitCode = 1;
    return;
  }
  const text = modelFileText(model);
  const hash = modelHashOf(text);
  writeFileSync(out, text);
  lines.push(
    `${Object.keys(model.weights).length} features, ${model.labels.length} labels, temperature ${model.temperature}`,
    `wrote ${out} (version ${hash}); the active model is unchanged`,
  );
  const held = heldOut.map((e) => e.ticket);
  if (held.length > 0) {
    const candidate = candidatePolicy(config, JSON.parse(text) as ModelFile, hash);
    const figures = (p: CompiledPolicy) =>
      formatHeadline(
        evaluateDecisions(
          held,
          held.map((t) => classifyTicket(t, p)),
          p.restricted,
        ),
      );
    lines.push(`held-out figures, candidate model ${hash}:`, indent(figures(candidate)));
    lines.push(
      `held-out figures, active model ${config.modelVersion ?? '(none: rules only)'}:`,
      indent(figures(active)),
    );
  }
  const rel = relative(process.cwd(), config.dir) || '.';
  const configDir = rel.startsWith('..') ? config.dir : rel;
  lines.push(
    `before activating it, compare decisions: copy ${configDir} to a new folder, set model.file in its routing.yaml to ${basename(out)} (copy the file there), then`,
    `  sbt-router replay --config ${configDir} --against NEW_FOLDER TICKETS.jsonl`,
  );
  ctx.stdout.write(`${lines.join('\n')}\n`);
}
