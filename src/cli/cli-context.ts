import type { Writable } from 'node:stream';

/** What every command gets: where to print, so tests can capture output. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  /** process.env by default; commands read config through src/config only. */
  env: NodeJS.ProcessEnv;
}
