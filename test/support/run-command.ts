import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import type { CliContext } from '../../src/cli/cli-context.js';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export interface CommandRun {
  out: string;
  err: string;
  code: number;
}

/**
 * Runs `sbt-router ARGS` in-process with the given commands registered: output captured, exit code
 * read from process.exitCode (reset before and after), the clock and environment the test's own.
 */
export async function runCommand(
  register: readonly RegisterCommand[],
  args: readonly string[],
  context: { env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Promise<CommandRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = {
    stdout,
    stderr,
    env: context.env ?? {},
    ...(context.now ? { now: context.now } : {}),
  };
  const program = new Command('sbt-router').exitOverride();
  for (const r of register) r(program, ctx);
  process.exitCode = undefined;
  await program.parseAsync(['node', 'sbt-router', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out, err, code };
}
