import { readFileSync } from 'node:fs';

/**
 * One JSON value per non-blank line of TEXT. A line that is not JSON throws an error naming its line
 * number (and SOURCE, when given), so a broken fixture fails loudly instead of being skipped.
 */
export function parseJsonl<T = Record<string, unknown>>(text: string, source = 'text'): T[] {
  const out: T[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      throw new Error(`${source}:${i + 1}: not a JSON line (${(err as Error).message})`, { cause: err });
    }
  });
  return out;
}

/** The JSON lines of FILE (a fixture such as test/fixtures/labelled-tickets.jsonl). */
export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return parseJsonl<T>(readFileSync(file, 'utf8'), file);
}
