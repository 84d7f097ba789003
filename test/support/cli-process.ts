import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve('dist/cli/index.js');

/** A config folder with the shipped routing.yaml and a service.yaml of the test's own. */
export function makeConfigDir(serviceYaml: string): { dir: string; prefix: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sbt-e2e-config-'));
  const prefix = `{e${randomBytes(4).toString('hex')}}`;
  copyFileSync(resolve('config/routing.yaml'), join(dir, 'routing.yaml'));
  copyFileSync('config/model.json', join(dir, 'model.json'));
  writeFileSync(join(dir, 'service.yaml'), `queue:\n  prefix: '${prefix}'\n${serviceYaml}`);
  return { dir, prefix };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((resolveDone) => {
    child.on('exit', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
  });
  return { child, done };
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
