import { Command } from 'commander';
import { ConfigError } from '../../src/config/index.js';
import { runDemo } from './run-demo.js';

/**
 * `npm run demo`: the whole pipeline on the built-in defaults, on one machine (throwaway Redis + HEAT
 * simulator + the real worker). A tool beside the router, not a command of the production CLI.
 */
const program = new Command('demo')
  .description('run the whole pipeline on the built-in defaults: throwaway Redis + HEAT simulator + worker')
  .option('--seed <n>', 'simulator seed', (v) => Number(v), 42)
  .option('--tickets <n>', 'seeded tickets', (v) => Number(v), 320)
  .option('--timeout <seconds>', 'give up after this long', (v) => Number(v), 55)
  .option('--log-level <level>', 'worker log level (JSON lines on stderr)', 'warn')
  .option('--report-dir <dir>', 'where the HTML reports are written', '.tmp/demo')
  .action(
    async (opts: { seed: number; tickets: number; timeout: number; logLevel: string; reportDir: string }) => {
      process.exitCode = await runDemo(
        { stdout: process.stdout, stderr: process.stderr, env: process.env },
        {
          seed: opts.seed,
          tickets: opts.tickets,
          timeoutSeconds: opts.timeout,
          logLevel: opts.logLevel,
          reportDir: opts.reportDir,
        },
      );
    },
  );

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A configuration a person can fix gets its message (file, key, fix), not a stack trace.
  process.stderr.write(`demo: ${(err as Error).message ?? String(err)}\n`);
  process.exitCode = err instanceof ConfigError ? 2 : 1;
}
