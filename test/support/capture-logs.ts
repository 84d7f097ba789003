import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/index.js';
import { parseJsonl } from './jsonl.js';

/** One line the product's JSON logger wrote. */
export interface LogRecord {
  level: string;
  message: string;
  [key: string]: unknown;
}

export interface LogCapture {
  /** The product's logger (createLogger: redaction, timestamps, JSON), writing into memory. */
  logger: Logger;
  /** Every line written so far, parsed; a live array (keeps filling after destructuring). */
  entries: LogRecord[];
  /** A copy of the lines written so far. */
  lines(): LogRecord[];
  /** Everything written, as one string (to check no ticket text or secret was logged). */
  text(): string;
  /** The `event` field of each line that has one, in order. */
  events(): string[];
}

/** A real JSON logger whose output the test reads back. The one log-capture helper of the tests. */
export function captureLogs(options: { level?: string } = {}): LogCapture {
  const raw: string[] = [];
  const entries: LogRecord[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      raw.push(text);
      pending += text;
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        entries.push(...parseJsonl<LogRecord>(pending.slice(0, cut), 'log'));
        pending = pending.slice(cut + 1);
      }
      done();
    },
  });
  const logger = createLogger({ stream, level: options.level ?? 'debug' });
  return {
    logger,
    entries,
    lines: () => [...entries],
    text: () => raw.join(''),
    events: () => entries.flatMap((l) => (typeof l.event === 'string' ? [l.event] : [])),
  };
}
