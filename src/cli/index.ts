#!/usr/bin/env node
import { buildProgram } from './build-program.js';
import type { CliContext } from './cli-context.js';

const ctx: CliContext = { stdout: process.stdout, stderr: process.stderr, env: process.env };
await buildProgram(ctx).parseAsync(process.argv);
