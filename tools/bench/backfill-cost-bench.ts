import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createSimulator, type Simulator } from 'heat-simulator';
import { projectConfigDir, projectRoot, startThrowawayRedis } from '../devtools/index.js';

export interface BackfillCostRun {
  /** HEAT calls the simulator logged for the run, by route. */
  byRoute: Record<string, number>;
  calls: number;
  perTicket: number;
  exitCode: number;
}

export interface BackfillCostResult {
  tickets: number;
  countsOnly: BackfillCostRun;
  tagHistory: BackfillCostRun;
}

/** The production command (dist/cli), built first so that it is the code of this tree. */
function buildCli(): string {
  const root = projectRoot();
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed (see above)');
  return join(root, 'dist', 'cli', 'index.js');
}

async function runBackfill(
  cli: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  sim: Simulator,
  tickets: number,
): Promise<BackfillCostRun> {
  sim.resetStats();
  const child = spawn(process.execPath, [cli, 'backfill', ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  const stats = sim.stats();
  return { byRoute: stats.byRoute, calls: stats.total, perTicket: stats.total / tickets, exitCode };
}

/**
 * What a history backfill costs in HEAT calls, read from the simulator's own call log: a tenant of
 * `history` Resolved/Closed tickets (and no open ones), counted with --counts-only, then tagged with
 * --tag-history (the counts are already right then: only the tags are written).
 */
export async function runBackfillCostBench(options: { history: number }): Promise<BackfillCostResult> {
  const cli = buildCli();
  const redis = await startThrowawayRedis();
  const sim = createSimulator({ seed: 5, tickets: 0, history: { closed: options.history } });
  const dir = mkdtempSync(join(tmpdir(), 'sbt-bench-backfill-'));
  try {
    const url = await sim.listen(0, '127.0.0.1');
    copyFileSync(join(projectConfigDir(), 'routing.yaml'), join(dir, 'routing.yaml'));
    copyFileSync(join(projectConfigDir(), 'model.json'), join(dir, 'model.json'));
    // A school year: the history falls in the current period, so the school records are written too.
    writeFileSync(
      join(dir, 'service.yaml'),
      `queue:\n  prefix: '{bf${randomBytes(3).toString('hex')}}'\ncounts:\n  period: school_year\n`,
    );
    const env = {
      SBT_CONFIG_DIR: dir,
      HEAT_BASE_URL: url,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'error',
    };
    const tickets = sim.list('incidents').length;
    const since = ['--since', '2000-01-01', '--timeout', '0'];
    const countsOnly = await runBackfill(cli, [...since, '--counts-only'], env, sim, tickets);
    const tagHistory = await runBackfill(cli, [...since, '--tag-history'], env, sim, tickets);
    return { tickets, countsOnly, tagHistory };
  } finally {
    await sim.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
