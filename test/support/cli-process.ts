import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve('dist/cli/index.js');

/**
 * A config folder with the shipped routing.yaml and a service.yaml of the test's own, on a queue prefix
 * of its own (or on `prefix`: two processes of one test on one queue).
 */
export function makeConfigDir(
  serviceYaml: string,
  prefix = `{e${randomBytes(4).toString('hex')}}`,
): { dir: string; prefix: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sbt-e2e-config-'));
  copyFileSync(resolve('config/routing.yaml'), join(dir, 'routing.yaml'));
  copyFileSync('config/model.json', join(dir, 'model.json'));
  writeFileSync(join(dir, 'service.yaml'), `queue:\n  prefix: '${prefix}'\n${serviceYaml}`);
  return { dir, prefix };
}

/**
 * The environment of a CLI process against one simulated tenant: a config folder of its own
 * (makeConfigDir) and HEAT, Redis and log level set. `redisUrl` undefined: no REDIS_URL.
 */
export function tenantEnv(options: {
  heatUrl: string;
  apiKey: string;
  redisUrl?: string;
  serviceYaml?: string;
  prefix?: string;
  logLevel?: string;
}): { dir: string; prefix: string; env: NodeJS.ProcessEnv } {
  const { dir, prefix } = makeConfigDir(options.serviceYaml ?? '', options.prefix);
  const env: NodeJS.ProcessEnv = {
    HEAT_BASE_URL: options.heatUrl,
    HEAT_API_KEY: options.apiKey,
    ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
    SBT_CONFIG_DIR: dir,
    LOG_LEVEL: options.logLevel ?? 'warn',
  };
  return { dir, prefix, env };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  /** Arguments for node itself, before the script (e.g. `--import` of a preload). */
  nodeArgs?: string[];
  /** Called with each complete line of stdout and stderr as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Starts `node SCRIPT ARGS` with only PATH from this process's environment, plus `env`. */
export function startNode(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: StartOptions = {},
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const pending = { stdout: '', stderr: '' };
  const onData = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    const text = d.toString();
    output[stream] += text;
    if (!options.onLine) return;
    const lines = (pending[stream] + text).split('\n');
    pending[stream] = lines.pop() ?? '';
    for (const line of lines) options.onLine(line, stream);
  };
  child.stdout?.on('data', onData('stdout'));
  child.stderr?.on('data', onData('stderr'));
  const done = new Promise<RunResult>((resolveDone) => {
    child.on('exit', (code, signal) =>
      resolveDone({ code, signal, stdout: output.stdout, stderr: output.stderr }),
    );
  });
  return { child, done };
}

/** Starts the built CLI (`dist/cli/index.js`). */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: StartOptions = {},
): { child: ChildProcess; done: Promise<RunResult> } {
  return startNode(CLI, args, env, options);
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  const { child, done } = startCli(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = await done;
  clearTimeout(timer);
  return result;
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 100,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/** Waits for `check`, bounded; throws naming what did not happen (and the tail of `context()`, e.g. the output). */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  context: () => string = () => '',
): Promise<void> {
  if (await waitFor(check, timeoutMs)) return;
  throw new Error(`${what}: not seen within ${timeoutMs} ms\n${context().slice(-2000)}`);
}
