import type { z } from 'zod';

export interface ConfigProblem {
  /** The file (or "environment") the problem is in. */
  file: string;
  /** Dotted key path, e.g. "poll.intervalSeconds" or "rules[3].when.any". */
  key: string;
  /** 1-based line of the key in the file, when known (printed as "routing.yaml:123"). */
  line?: number;
  /** What was wrong / expected. */
  problem: string;
  /** How to fix it. */
  fix: string;
}

/** A configuration that cannot be used. Its message names every problem's file, key and fix. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** "file:line: key" (or "file: key" when the line is unknown): where a problem is. */
export function formatProblemPlace(p: ConfigProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.key || '(top level)'}`;
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `${formatProblemPlace(p)}: ${p.problem}. Fix: ${p.fix}`);
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

/** Key path -> 1-based line in the YAML file (see keyLinesOf in load-yaml-file.ts). */
export type KeyLines = Readonly<Record<string, number>>;

/**
 * The line of `key` ("rules[28].any.patterns[0]"), or of its nearest ancestor that is written in the
 * file (a default filled in by the schema, or a shorthand list, has no line of its own).
 */
export function lineOfKey(lines: KeyLines | undefined, key: string): number | undefined {
  if (lines === undefined) return undefined;
  let k = key;
  while (k !== '') {
    if (Object.hasOwn(lines, k)) return lines[k];
    const parent = k.replace(/(\[\d+\]|\.?[^.[\]]+)$/, '');
    if (parent === k) return undefined;
    k = parent;
  }
  return undefined;
}

/** Turns zod issues into problems that say what was expected and how to fix it. */
export function problemsFromZod(file: string, error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => {
    const key = formatKeyPath(issue.path);
    let fix = 'correct the value as described';
    switch (issue.code) {
      case 'unrecognized_keys':
        fix = `remove or rename ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against config/README.md)`;
        break;
      case 'invalid_type':
        fix =
          issue.input === undefined
            ? `add the key "${key}"`
            : `give "${key}" a value of type ${issue.expected}`;
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
    return { file, key, problem: issue.message, fix };
  });
}
