import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, problemsFromZod } from './config-error.js';

/** Parsed YAML text checked against a zod schema; errors name the file, key and fix. */
export function parseYamlText<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        key: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        problem: `YAML syntax error: ${e.message.split('\n')[0]}`,
        fix: /keys must be unique/i.test(e.message)
          ? 'this key already appears earlier in the same section: merge the two entries into one (e.g. add to the existing list)'
          : 'correct the YAML syntax (indentation, quotes, colons) at that position',
      })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(problemsFromZod(file, result.error));
  return result.data;
}

export function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
): { value: z.output<S>; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError([
      {
        file,
        key: '',
        problem: `cannot read the file (${code})`,
        fix: 'check the path (set SBT_CONFIG_DIR or --config) and the file permissions',
      },
    ]);
  }
  return { value: parseYamlText(file, text, schema), text };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
