/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniformly random delay in [0, min(maxDelayMs, baseDelayMs * 2^attempt)). Full jitter spreads the
 * retries of many workers so they do not hit a struggling HEAT in lock step.
 */
export function backoffDelay(
  attempt: number,
  policy: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
