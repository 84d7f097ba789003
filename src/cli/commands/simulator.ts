import type { Command } from 'commander';
import { createSimulator } from 'heat-simulator';
import type { CliContext } from '../cli-context.js';

interface SimulatorCommandOptions {
  port: string;
  host: string;
  seed: string;
  tickets: string;
  rate?: string;
  latency?: string;
  apiKey?: string;
}

function parseNonNegativeInt(
  ctx: CliContext,
  flag: string,
  value: string | undefined,
): number | undefined | null {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    ctx.stderr.write(`sbt-router simulator: ${flag} must be a whole number >= 0 (got '${value}')\n`);
    process.exitCode = 2;
    return null;
  }
  return Number(value);
}

/** `sbt-router simulator`: a local HEAT tenant for the demo, tests and benchmarks (docs/simulator.md). */
export function registerSimulatorCommand(program: Command, ctx: CliContext): void {
  program
    .command('simulator')
    .description('run a simulated HEAT tenant (same REST API, seeded with schools, teams and tickets)')
    .option('--port <n>', 'TCP port (0 = any free port)', '8642')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <n>', 'seed of the generated data (same seed = same data)', '1')
    .option('--tickets <n>', 'number of seeded tickets', '320')
    .option('--rate <n>', 'create this many new tickets per minute')
    .option('--latency <ms>', 'added latency on every HEAT API call')
    .option('--api-key <key>', 'REST API key to accept (default sim-api-key)')
    .action(async (opts: SimulatorCommandOptions) => {
      const port = parseNonNegativeInt(ctx, '--port', opts.port);
      const seed = parseNonNegativeInt(ctx, '--seed', opts.seed);
      const tickets = parseNonNegativeInt(ctx, '--tickets', opts.tickets);
      const rate = parseNonNegativeInt(ctx, '--rate', opts.rate);
      const latency = parseNonNegativeInt(ctx, '--latency', opts.latency);
      if (port === null || seed === null || tickets === null || rate === null || latency === null) return;
      const simulator = createSimulator({
        seed,
        tickets,
        ...(rate !== undefined ? { rate } : {}),
        ...(latency !== undefined ? { faults: { latencyMs: latency } } : {}),
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
      });
      let url: string;
      try {
        url = await simulator.listen(port, opts.host);
      } catch (error) {
        ctx.stderr.write(
          `sbt-router simulator: cannot listen on ${opts.host}:${String(port)} (${(error as Error).message}); ` +
            'choose another --port or stop what uses it\n',
        );
        process.exitCode = 1;
        return;
      }
      ctx.stdout.write(
        [
          `HEAT simulator listening on ${url}`,
          `  HEAT_BASE_URL=${url}`,
          `  HEAT_API_KEY=${simulator.apiKey}   (header: Authorization: rest_api_key=${simulator.apiKey})`,
          `  tickets: ${simulator.list('incidents').length}, seed: ${String(seed)}${rate ? `, new tickets per minute: ${String(rate)}` : ''}`,
          `  controls (not HEAT's API): ${url}/_sim/stats, /_sim/truth, /_sim/faults, /_sim/outbound-rules`,
          'Press Ctrl+C to stop.',
          '',
        ].join('\n'),
      );
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          process.exit(1);
        }
        stopping = true;
        ctx.stdout.write(`received ${signal}, stopping the simulator\n`);
        simulator
          .close()
          .then(() => {
            process.exitCode = 0;
          })
          .catch((error: unknown) => {
            ctx.stderr.write(`sbt-router simulator: error while closing: ${(error as Error).message}\n`);
            process.exitCode = 1;
          });
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
