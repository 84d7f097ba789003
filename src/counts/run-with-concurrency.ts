/** Runs `task` over `items` with at most `limit` in flight; resolves when all have settled. */
export async function runWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
