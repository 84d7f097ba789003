import type { Writable } from 'node:stream';

/** What every command gets: where to print, so tests can capture output. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  /** process.env by default; commands read config through src/config only. */
  env: NodeJS.ProcessEnv;
  /** The clock (the real one by default); tests pin it so that no real date decides an outcome. */
  now?: () => Date;
}

/** The context's clock, or the real one. */
export const clockOf = (ctx: CliContext): (() => Date) => ctx.now ?? ((): Date => new Date());
