/**
 * One time budget shared by several steps (the shutdown: HTTP, poller, jobs, counts, forced close).
 * Created once; each step waits at most for what remains, less what it leaves to the steps after it.
 */
export interface Deadline {
  readonly totalMs: number;
  /** Milliseconds left (never below 0). */
  remainingMs(): number;
  /**
   * Waits for `work` until the deadline less `reserveMs`, and at most `maxMs`. Resolves true when the
   * work finished in time, false when the time ran out (the work is not cancelled); rejects when the
   * work rejects in time.
   */
  within(work: Promise<unknown>, limits?: { reserveMs?: number; maxMs?: number }): Promise<boolean>;
}

export function createDeadline(totalMs: number, now: () => number = Date.now): Deadline {
  const endsAt = now() + totalMs;
  const remainingMs = () => Math.max(0, endsAt - now());
  return {
    totalMs,
    remainingMs,
    async within(work, limits = {}) {
      const ms = Math.max(0, Math.min(limits.maxMs ?? Infinity, remainingMs() - (limits.reserveMs ?? 0)));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
        timer.unref();
      });
      try {
        return await Promise.race([work.then(() => true as const), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
