/**
 * Resolves or rejects like `promise`, or rejects with "<what> took over <ms> ms" once `ms` pass. The
 * timer does not keep the process alive. The promise itself is not cancelled: callers use this where
 * a late result is harmless (a probe, an enqueue whose retry collapses into the same job).
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
