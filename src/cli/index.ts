#!/usr/bin/env node
import { CommanderError, type Command } from 'commander';
import { ConfigError } from '../config/index.js';
import { buildProgram } from './build-program.js';
import type { CliContext } from './cli-context.js';
import { coerceError } from '../domain/index.js';

const ctx: CliContext = { stdout: process.stdout, stderr: process.stderr, env: process.env };

// A reader that goes away (`sbt-router classify | head`, a log shipper restarting) closes our stdout:
// stop the way SIGTERM does (a worker drains its jobs) instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.kill(process.pid, 'SIGTERM');
    else throw err;
  });
}

/** commander copies exitOverride to subcommands only when they are made after it: set it on every one. */
function exitOverrideEverywhere(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideEverywhere(sub);
  return command;
}

try {
  await exitOverrideEverywhere(buildProgram(ctx)).parseAsync(process.argv);
} catch (err) {
  // Problems a person can fix get a message, not a stack trace.
  if (err instanceof CommanderError) {
    // commander has printed its own message (help, version, a usage error).
    process.exitCode = err.exitCode;
  } else if (err instanceof ConfigError) {
    ctx.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  } else if (
    (err as NodeJS.ErrnoException).code === 'ENOENT' ||
    (err as NodeJS.ErrnoException).code === 'EACCES'
  ) {
    ctx.stderr.write(`${coerceError(err).message}. Fix: check the file name and its permissions\n`);
    process.exitCode = 2;
  } else {
    ctx.stderr.write(`sbt-router: ${coerceError(err).message}\n`);
    if (ctx.env.LOG_LEVEL === 'debug') ctx.stderr.write(`${coerceError(err).stack ?? ''}\n`);
    process.exitCode = 1;
  }
}
