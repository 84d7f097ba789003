import { basename } from 'node:path';
import type { z } from 'zod';

export interface ConfigProblem {
  /** The file (or "environment") the problem is in. */
  file: string;
  /** Dotted key path, e.g. "poll.intervalSeconds" or "rules[3].when.any". */
  key: string;
  /** What was wrong / expected. */
  problem: string;
  /** How to fix it. */
  fix: string;
  /** 1-based line of the key in the file, when the file has it. */
  line?: number;
  /** The id of the rule the key is in (routing.yaml rules[N]). */
  ruleId?: string;
}

/** A configuration that cannot be used. Its message names every problem's file, line, key and fix. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `config/routing.yaml:412 rules[28].weight (id gradebook-grade-change)`; `environment: REDIS_URL` */
export function problemLocation(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : `${p.file}:`;
  const rule = p.ruleId !== undefined ? ` (id ${p.ruleId})` : '';
  return `${where} ${p.key || '(top level)'}${rule}`;
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `${problemLocation(p)}: ${p.problem}. Fix: ${p.fix}`);
  return `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`;
}

export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Where each file's keys are documented (named in fixes). */
export function referenceFor(file: string): string {
  const name = basename(file);
  if (name === 'routing.yaml') return 'docs/policy.md';
  if (name === 'service.yaml') return 'config/README.md';
  return 'config/.env.example';
}

/** Levenshtein distance (small strings: config keys). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return prev[b.length]!;
}

/** The known key nearest to an unknown one, when it is near enough to be a typo. */
export function nearestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(unknown.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(unknown.length / 3));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDefLike } }>;
  innerType?: { _zod: { def: ZodDefLike } };
  in?: { _zod: { def: ZodDefLike } };
  element?: { _zod: { def: ZodDefLike } };
  valueType?: { _zod: { def: ZodDefLike } };
  options?: { _zod: { def: ZodDefLike } }[];
}

/** The keys an object schema at `path` knows (for "did you mean"); [] when the path is not an object. */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  const objectsAt = (def: ZodDefLike, rest: ReadonlyArray<PropertyKey>): ZodDefLike[] => {
    switch (def.type) {
      case 'default':
      case 'prefault':
      case 'optional':
      case 'nullable':
      case 'readonly':
      case 'catch':
        return def.innerType ? objectsAt(def.innerType._zod.def, rest) : [];
      case 'pipe':
        return def.in ? objectsAt(def.in._zod.def, rest) : [];
      case 'union':
        return (def.options ?? []).flatMap((o) => objectsAt(o._zod.def, rest));
      case 'array':
        if (rest.length === 0 || typeof rest[0] !== 'number' || !def.element) return [];
        return objectsAt(def.element._zod.def, rest.slice(1));
      case 'record':
        if (rest.length === 0 || !def.valueType) return [];
        return objectsAt(def.valueType._zod.def, rest.slice(1));
      case 'object': {
        if (rest.length === 0) return [def];
        const child = def.shape?.[String(rest[0])];
        return child ? objectsAt(child._zod.def, rest.slice(1)) : [];
      }
      default:
        return [];
    }
  };
  const keys = new Set<string>();
  for (const def of objectsAt((schema as unknown as { _zod: { def: ZodDefLike } })._zod.def, path))
    for (const k of Object.keys(def.shape ?? {})) keys.add(k);
  return [...keys];
}

/** Fixes for required keys that are missing, by key path (e.g. routing.yaml `threshold`). */
export type MissingKeyFixes = Readonly<Record<string, string>>;

/**
 * Turns zod issues into problems that say what was expected and how to fix it. An unknown key gets one
 * problem of its own, with the nearest known key ("did you mean") and the file's reference page.
 */
export function problemsFromZod(
  file: string,
  error: z.ZodError,
  options: { schema?: z.ZodType; missingKeyFixes?: MissingKeyFixes } = {},
): ConfigProblem[] {
  const reference = referenceFor(file);
  return error.issues.flatMap((issue): ConfigProblem[] => {
    const key = formatKeyPath(issue.path);
    let fix = 'correct the value as described';
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = options.schema ? knownKeysAt(options.schema, issue.path) : [];
        return issue.keys.map((unknown) => {
          const near = nearestKey(unknown, known);
          const knownList = known.length > 0 ? `; keys allowed here: ${known.join(', ')}` : '';
          return {
            file,
            key: formatKeyPath([...issue.path, unknown]),
            problem: `unknown key "${unknown}"`,
            fix: near
              ? `did you mean "${near}"? Rename "${unknown}" to "${near}" (see ${reference})`
              : `remove or rename "${unknown}" (see ${reference}${knownList})`,
          };
        });
      }
      case 'invalid_type':
        if (issue.input === undefined) {
          return [
            {
              file,
              key,
              problem: `the required key "${key}" is missing`,
              fix: options.missingKeyFixes?.[key] ?? `add the key "${key}" (see ${reference})`,
            },
          ];
        }
        fix = `give "${key}" a value of type ${issue.expected}`;
        break;
      case 'invalid_value':
        fix = `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'too_small':
      case 'too_big':
        fix = `give "${key}" a value within the allowed range`;
        break;
      case 'custom':
        fix = (issue.params as { fix?: string } | undefined)?.fix ?? fix;
        break;
      default:
        break;
    }
    return [{ file, key, problem: issue.message, fix }];
  });
}
