import { fork, type ChildProcess } from 'node:child_process';

/** A forked bench process (simulator or worker) that answers `{id, op, ...}` requests over IPC. */
export interface ChildRpc<Ready> {
  readonly child: ChildProcess;
  readonly ready: Ready;
  call<T>(op: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Asks it to close (op 'close'), then kills it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Forks `modulePath` (a compiled .js file) with `args`, and resolves once it sends `{ready: ...}`.
 * `execArgv` reaches the child's node (e.g. --cpu-prof).
 */
export async function forkChild<Ready>(
  modulePath: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[]; readyTimeoutMs?: number } = {},
): Promise<ChildRpc<Ready>> {
  const child = fork(modulePath, args, {
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    for (const p of pending.values())
      p.reject(new Error(`${modulePath} exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${modulePath} was not ready in time`)),
      options.readyTimeoutMs ?? 120_000,
    );
    child.on('message', (msg: { ready?: Ready; id?: number; result?: unknown; error?: string }) => {
      if (msg.ready !== undefined) {
        clearTimeout(timer);
        resolve(msg.ready);
        return;
      }
      const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
      if (!p) return;
      pending.delete(msg.id!);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${modulePath} exited with code ${code} before it was ready`));
    });
  });
  const call = <T>(op: string, rest: Record<string, unknown> = {}, timeoutMs = 900_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${op} on ${modulePath}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ id, op, ...rest });
    });
  return {
    child,
    ready,
    call,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      call('close', {}, graceMs).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
