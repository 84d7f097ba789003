import winston from 'winston';
import type { Writable } from 'node:stream';

export type Logger = winston.Logger;

/**
 * Keys whose values never reach a log line: credentials and ticket text (student data may be in it).
 * Matched case-insensitively at any depth.
 */
const REDACTED_KEYS = new Set(
  [
    'authorization',
    'password',
    'apikey',
    'api_key',
    'rest_api_key',
    'sessionid',
    'session',
    'token',
    'secret',
    'cookie',
    'subject',
    'symptom',
    'description',
    'notesbody',
    'body',
    'text',
    'resolution',
    'email',
    'primaryemail',
    'phone',
    'profilefullname',
    'loginid',
    'firstname',
    'lastname',
    'displayname',
    'customerlocation',
    'customerdepartment',
  ].map((k) => k.toLowerCase()),
);

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = REDACTED_KEYS.has(k.toLowerCase()) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    info[key] = REDACTED_KEYS.has(key.toLowerCase()) ? '[redacted]' : redact(info[key]);
  }
  return info;
});

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go (default: stdout). */
  stream?: Writable;
  silent?: boolean;
  /** Fields on every line (service name, worker id). */
  defaultMeta?: Record<string, unknown>;
}

/** winston JSON lines with redaction; scope per job with logger.child({ticketId, jobId, attempt}). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: options.defaultMeta ?? { service: 'heat-sbt-router' },
    format: winston.format.combine(
      winston.format.errors({ stack: false }),
      redactFormat(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [transport],
  });
}

/** A logger that drops everything (tests, CLI commands that print their own output). */
export function createSilentLogger(): Logger {
  return createLogger({ silent: true });
}
