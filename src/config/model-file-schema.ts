import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { CATEGORY_IDS } from '../domain/index.js';
import { problemsFromZod, type ConfigProblem } from './config-error.js';

/** The model file's format id; a file of another format is refused at load. */
export const MODEL_FORMAT = 'sbt-linear-model/1';

/** How a ticket becomes the model's features (stored in the model file, so training and use agree). */
export const featureSettingsSchema = z.strictObject({
  /** Fields read as text, in order (e.g. Subject, Symptom). */
  textFields: z.array(z.string().min(1)).min(1),
  /** Fields whose whole (folded) value is one feature, e.g. the self-service Category. */
  valueFields: z.array(z.string().min(1)),
  /** Character n-gram lengths taken inside each word, with word-boundary marks (fastText style). */
  charNgramMin: z.number().int().min(1).max(8),
  charNgramMax: z.number().int().min(1).max(8),
  /** Word pairs as features. */
  wordBigrams: z.boolean(),
});

/**
 * The learned model as stored in config/ (JSON, reviewable): a multinomial logistic regression over
 * sparse binary features, L2-normalised per ticket, with a softmax temperature fitted on held-out
 * predictions so that its probabilities are calibrated (docs/model.md).
 */
export const modelFileSchema = z
  .strictObject({
    format: z.literal(MODEL_FORMAT),
    /** How it was trained (sources, counts, seed, held-out figures): for reviewers. */
    trainedOn: z.record(z.string(), z.unknown()),
    labels: z.array(z.enum(CATEGORY_IDS)).min(2),
    features: featureSettingsSchema,
    temperature: z.number().positive().max(100),
    bias: z.array(z.number()),
    /** feature -> one weight per label, in `labels` order. */
    weights: z.record(z.string(), z.array(z.number())),
  })
  .superRefine((m, ctx) => {
    if (new Set(m.labels).size !== m.labels.length)
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'a label is repeated' });
    if (m.bias.length !== m.labels.length)
      ctx.addIssue({
        code: 'custom',
        path: ['bias'],
        message: `has ${m.bias.length} numbers for ${m.labels.length} labels`,
      });
    if (m.features.charNgramMin > m.features.charNgramMax)
      ctx.addIssue({
        code: 'custom',
        path: ['features', 'charNgramMin'],
        message: 'is larger than charNgramMax',
      });
    let bad = 0;
    for (const [feature, w] of Object.entries(m.weights)) {
      if (w.length === m.labels.length) continue;
      if (bad++ < 3)
        ctx.addIssue({
          code: 'custom',
          path: ['weights', feature],
          message: `has ${w.length} numbers for ${m.labels.length} labels`,
        });
    }
  });

export type ModelFile = z.output<typeof modelFileSchema>;
export type FeatureSettings = z.output<typeof featureSettingsSchema>;

/** Short content hash of a model file (part of the policy version). */
export function modelHashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Reads and checks a model file; problems name the file, the key and the fix. */
export function readModelFile(
  file: string,
): { model: ModelFile; hash: string; problems: [] } | { model: null; hash: null; problems: ConfigProblem[] } {
  const fail = (key: string, problem: string, fix: string) => ({
    model: null,
    hash: null,
    problems: [{ file, key, problem, fix }],
  });
  if (!existsSync(file))
    return fail(
      '(file)',
      'the model file does not exist',
      'train one with `sbt-router train`, or remove `model` from routing.yaml to run the rules alone',
    );
  const text = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(
      '(file)',
      `not valid JSON: ${(err as Error).message}`,
      'restore the file from version control or train it again',
    );
  }
  const result = modelFileSchema.safeParse(parsed);
  if (!result.success) {
    return {
      model: null,
      hash: null,
      problems: problemsFromZod(file, result.error).map((p) => ({
        ...p,
        fix: 'the file is not a model this version can use: train it again with `sbt-router train`',
      })),
    };
  }
  return { model: result.data, hash: modelHashOf(text), problems: [] };
}
