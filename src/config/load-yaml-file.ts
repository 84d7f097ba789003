import { readFileSync } from 'node:fs';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import { ConfigError, problemsFromZod, type ConfigProblem, type MissingKeyFixes } from './config-error.js';

/** A YAML file read and parsed, with what it takes to point a key path at its line. */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** The plain data (doc.toJS()); {} for an empty file. */
  readonly raw: unknown;
}

/** Parses YAML text; a syntax error throws ConfigError with its line and column. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        key: e.linePos ? `(column ${e.linePos[0].col})` : '',
        ...(e.linePos ? { line: e.linePos[0].line } : {}),
        problem: `YAML syntax error: ${e.message.split('\n')[0]}`,
        fix: /keys must be unique/i.test(e.message)
          ? 'this key already appears earlier in the same section: merge the two entries into one (e.g. add to the existing list)'
          : 'correct the YAML syntax (indentation, quotes, colons) at that position',
      })),
    );
  }
  const aliases = aliasProblems(file, doc, lineCounter);
  if (aliases.length > 0) throw new ConfigError(aliases);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    // The yaml library's own refusals (e.g. aliases that expand beyond maxAliasCount).
    throw new ConfigError([
      {
        file,
        key: '',
        problem: `YAML cannot be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        fix: 'write the repeated values out instead of using anchors (&name) and aliases (*name)',
      },
    ]);
  }
  return { file, text, doc, lineCounter, raw };
}

/** Aliases that expand to more than this many nodes are refused (a "billion laughs" file). */
const MAX_ALIAS_COUNT = 100;

/**
 * Anchors and aliases (&name / *name) are allowed, but an alias must name an anchor set before it and
 * may not sit inside the node it names (a structure containing itself has no end).
 */
function aliasProblems(file: string, doc: Document.Parsed, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Alias(_key, alias, path) {
      const line = alias.range ? lineCounter.linePos(alias.range[0]).line : undefined;
      const at = { file, key: `*${alias.source}`, ...(line === undefined ? {} : { line }) };
      const target = alias.resolve(doc);
      if (target === undefined) {
        problems.push({
          ...at,
          problem: `the alias *${alias.source} names no anchor set before it`,
          fix: `set the anchor (&${alias.source}) on a value earlier in the file, or write the value out here`,
        });
      } else if (path.includes(target)) {
        problems.push({
          ...at,
          problem: `the alias *${alias.source} sits inside the value its anchor names (it would contain itself)`,
          fix: `point the alias at a value outside the one anchored as &${alias.source}, or write the value out`,
        });
      }
    },
  });
  return problems;
}

export function readYamlSource(file: string): YamlSource {
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
  return parseYamlSource(file, text);
}

/** "rules[28].any.patterns[0]" -> ['rules', 28, 'any', 'patterns', 0]. */
export function parseKeyPath(key: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const m of key.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) parts.push(Number(m[2]));
    else if (m[1] !== undefined) parts.push(m[1]);
  }
  return parts;
}

/**
 * The 1-based line of a key path in the file: the key itself when it is there, else the nearest
 * enclosing key that is (a missing key points at its section). Key names with dots ("St. Mary") are
 * matched by joining path parts back together.
 */
export function lineOfPath(source: YamlSource, path: ReadonlyArray<string | number>): number | undefined {
  const lineAt = (node: Node | null | undefined): number | undefined =>
    node?.range ? source.lineCounter.linePos(node.range[0]).line : undefined;
  let node: unknown = source.doc.contents;
  let line = lineAt(node as Node | null);
  let i = 0;
  while (i < path.length) {
    const part = path[i]!;
    if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part];
      if (item === undefined) break;
      node = item;
      line = lineAt(item as Node) ?? line;
      i += 1;
      continue;
    }
    if (!isMap(node)) break;
    const map = node;
    let matched = false;
    for (let j = i; j < path.length && !matched; j++) {
      const name = path.slice(i, j + 1).join('.');
      const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === name);
      if (pair) {
        line = lineAt(pair.key as Node) ?? line;
        node = pair.value;
        i = j + 1;
        matched = true;
      }
    }
    if (!matched) break;
  }
  return line;
}

/** Adds the line (and, for routing rules, the rule id) to problems of this file that lack them. */
export function locateProblems(source: YamlSource, problems: readonly ConfigProblem[]): ConfigProblem[] {
  const rules = (source.raw as { rules?: unknown } | null)?.rules;
  return problems.map((p) => {
    if (p.file !== source.file || p.line !== undefined) return p;
    const path = parseKeyPath(p.key);
    const line = lineOfPath(source, path);
    const located: ConfigProblem = { ...p, ...(line !== undefined ? { line } : {}) };
    if (path[0] === 'rules' && typeof path[1] === 'number' && Array.isArray(rules)) {
      const id = (rules[path[1]] as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string' && p.ruleId === undefined) located.ruleId = id;
    }
    return located;
  });
}

/** Checks a parsed source against a schema; zod problems carry file, line, key, did-you-mean and fix. */
export function validateYamlSource<S extends z.ZodType>(
  source: YamlSource,
  schema: S,
  missingKeyFixes?: MissingKeyFixes,
): { ok: true; value: z.output<S> } | { ok: false; problems: ConfigProblem[]; issues: z.core.$ZodIssue[] } {
  const result = schema.safeParse(source.raw, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const problems = problemsFromZod(source.file, result.error, {
    schema,
    ...(missingKeyFixes ? { missingKeyFixes } : {}),
  });
  return { ok: false, problems: locateProblems(source, problems), issues: result.error.issues };
}

/** Parsed YAML text checked against a zod schema; errors name the file, line, key and fix. */
export function parseYamlText<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const result = validateYamlSource(parseYamlSource(file, text), schema);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.value;
}

export function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
): { value: z.output<S>; text: string } {
  const source = readYamlSource(file);
  const result = validateYamlSource(source, schema);
  if (!result.ok) throw new ConfigError(result.problems);
  return { value: result.value, text: source.text };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
