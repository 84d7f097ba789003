import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { createSimulator } from './create-simulator.js';

/**
 * `npx heat-simulator`: a local HEAT tenant for the demo, tests and benchmarks (docs/simulator.md in the
 * router's repository). Prints the URL and API key to point a router at, and stops on SIGINT/SIGTERM.
 */
interface SimulatorCommandOptions {
  port: string;
  host: string;
  seed: string;
  tickets: string;
  rate?: string;
  latency?: string;
  apiKey?: string;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function parseNonNegativeInt(flag: string, value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    process.stderr.write(`heat-simulator: ${flag} must be a whole number >= 0 (got '${value}')\n`);
    process.exitCode = 2;
    return null;
  }
  return Number(value);
}

async function run(opts: SimulatorCommandOptions): Promise<void> {
  const port = parseNonNegativeInt('--port', opts.port);
  const seed = parseNonNegativeInt('--seed', opts.seed);
  const tickets = parseNonNegativeInt('--tickets', opts.tickets);
  const rate = parseNonNegativeInt('--rate', opts.rate);
  const latency = parseNonNegativeInt('--latency', opts.latency);
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
    process.stderr.write(
      `heat-simulator: cannot listen on ${opts.host}:${String(port)} (${(error as Error).message}); ` +
        'choose another --port or stop what uses it\n',
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
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
    process.stdout.write(`received ${signal}, stopping the simulator\n`);
    simulator
      .close()
      .then(() => {
        process.exitCode = 0;
      })
      .catch((error: unknown) => {
        process.stderr.write(`heat-simulator: error while closing: ${(error as Error).message}\n`);
        process.exitCode = 1;
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const program = new Command('heat-simulator')
  .description('run a simulated HEAT tenant (same REST API, seeded with schools, teams and tickets)')
  .version(packageVersion())
  .showHelpAfterError()
  .exitOverride()
  .option('--port <n>', 'TCP port (0 = any free port)', '8642')
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--seed <n>', 'seed of the generated data (same seed = same data)', '1')
  .option('--tickets <n>', 'number of seeded tickets', '320')
  .option('--rate <n>', 'create this many new tickets per minute')
  .option('--latency <ms>', 'added latency on every HEAT API call')
  .option('--api-key <key>', 'REST API key to accept (default sim-api-key)')
  .action(run);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode;
  else {
    process.stderr.write(`heat-simulator: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
