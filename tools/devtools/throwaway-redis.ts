import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './project-root.js';

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** SIGTERM (SIGKILL after 3 s); removes the data folder unless the caller passed one (`dataDir`). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: nothing is saved on the way out; the data folder stays. */
  kill(): Promise<void>;
}

export interface ThrowawayRedisOptions {
  timeoutMs?: number;
  /** Listen on this port (a restart on the port of a stopped one), or one it gives; a free port by default. */
  port?: number | (() => Promise<number>);
  /** More redis-server flags (e.g. cluster mode: throwaway-redis-cluster.ts). */
  extraArgs?: string[];
  /**
   * Keep the data here, with the append-only file on: a server killed and started again on the same
   * folder (and port) finds its data, as a managed Redis does after a crash. The caller owns the
   * folder (stop() leaves it). Without it, nothing is persisted and the temp folder is removed.
   */
  dataDir?: string;
}

/** redis-server arguments for a private server: loopback only, persistence only with a data folder. */
function serverArgs(port: number, dir: string, persist: boolean): string[] {
  // appendfsync everysec: Redis write()s the AOF before it answers, so a killed process loses nothing
  // (only a machine crash could lose the last second, and a test never has one).
  const persistence = persist
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']
    : ['--save', '', '--appendonly', 'no'];
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    ...persistence,
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
  ];
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function installScript(): string {
  return join(projectRoot(), 'scripts', 'install-redis.sh');
}

/** Makes sure redis-server exists, running scripts/install-redis.sh when it does not. */
export function ensureRedisInstalled(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  const script = installScript();
  if (!existsSync(script)) throw new Error(`redis-server is missing and ${script} was not found`);
  const res = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0)
    throw new Error('redis-server is missing and could not be installed (see the message above)');
  const again = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return again.stdout.trim();
}

async function waitForReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolveReady, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start in ${timeoutMs} ms: ${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolveReady();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}: ${output.slice(-500)}`));
    });
  });
}

/**
 * Starts a private Redis (no persistence unless `dataDir`) on a free loopback port, for tests, the demo
 * and benchmarks. Never used in production, where REDIS_URL points at a managed Redis.
 */
export async function startThrowawayRedis(options: ThrowawayRedisOptions = {}): Promise<ThrowawayRedis> {
  const bin = ensureRedisInstalled();
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sbt-redis-'));
  for (let attempt = 0; attempt < 3; attempt++) {
    const port =
      typeof options.port === 'function' ? await options.port() : (options.port ?? (await freePort()));
    const child = spawn(
      bin,
      [...serverArgs(port, dir, options.dataDir !== undefined), ...(options.extraArgs ?? [])],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      await waitForReady(child, options.timeoutMs ?? 10_000);
    } catch (err) {
      child.kill('SIGKILL');
      if (attempt === 2) throw err;
      continue;
    }
    child.stdout?.resume();
    child.stderr?.resume();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const running = () => child.exitCode === null && child.signalCode === null;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop: async () => {
        if (running()) {
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
          if (running()) child.kill('SIGKILL');
        }
        if (options.dataDir === undefined) rmSync(dir, { recursive: true, force: true });
      },
      kill: async () => {
        if (running()) child.kill('SIGKILL');
        await exited;
      },
    };
  }
  throw new Error('could not start redis-server');
}
