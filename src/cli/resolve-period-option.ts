import type { ServiceConfig } from '../config/index.js';
import { parsePeriod, periodOf } from '../counts/index.js';
import { clockOf, type CliContext } from './cli-context.js';
import { coerceError } from '../domain/index.js';

/** `--period`, or the current period; prints what is wrong and sets exit code 2 when it is not one. */
export function resolvePeriodOption(
  ctx: CliContext,
  period: string | undefined,
  counts: ServiceConfig['counts'],
): string | null {
  const value = period ?? periodOf(clockOf(ctx)().toISOString(), counts);
  try {
    parsePeriod(value, counts);
    return value;
  } catch (err) {
    ctx.stderr.write(`--period: ${coerceError(err).message}\n`);
    process.exitCode = 2;
    return null;
  }
}
