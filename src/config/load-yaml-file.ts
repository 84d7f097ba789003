import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatKeyPath, problemsFromZod, type KeyLines } from './config-error.js';

/**
 * Key path ("rules[28].any.patterns[0]", as formatKeyPath writes it) -> 1-based line of every map
 * entry and list item written in the document: a map entry is on its key's line, a list item on its
 * first character's.
 */
function keyLinesOf(doc: Document, counter: LineCounter): KeyLines {
  const lines: Record<string, number> = Object.create(null) as Record<string, number>;
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key !== 'string' && typeof key !== 'number') continue;
        const at =
          (isScalar(pair.key) ? pair.key.range : undefined) ?? (pair.value as { range?: number[] })?.range;
        const childPath = [...path, String(key)];
        if (at?.[0] !== undefined) lines[formatKeyPath(childPath)] = counter.linePos(at[0]).line;
        visit(pair.value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const childPath = [...path, i];
        const at = (item as { range?: number[] } | null)?.range;
        if (at?.[0] !== undefined) lines[formatKeyPath(childPath)] = counter.linePos(at[0]).line;
        visit(item, childPath);
      });
    }
  };
  visit(doc.contents, []);
  return lines;
}

/** Parsed YAML text checked against a zod schema; errors name the file, key and fix. */
export function parseYamlText<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  return parseYamlWithLines(file, text, schema).value;
}

/** parseYamlText, plus the line of every key written in the text (for errors found after parsing). */
export function parseYamlWithLines<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { value: z.output<S>; lines: KeyLines } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
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
  return { value: result.data, lines: keyLinesOf(doc, lineCounter) };
}

export function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
): { value: z.output<S>; text: string; lines: KeyLines } {
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
  return { ...parseYamlWithLines(file, text, schema), text };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
