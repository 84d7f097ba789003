import type { Queue } from 'bullmq';

/**
 * When the oldest job waiting to be taken was added (ms since epoch), or null when none waits. BullMQ
 * keeps jobs with a priority (backfill's) apart from the plain waiting list, in the prioritized set:
 * both are waiting, so the older of the two heads counts. Within the set, jobs of one priority are in
 * the order they were added (backfill uses one priority), so its head is its oldest.
 */
export async function oldestWaitingJobTimestamp(queue: Queue): Promise<number | null> {
  const [[waiting], [prioritized]] = await Promise.all([queue.getWaiting(0, 0), queue.getPrioritized(0, 0)]);
  const stamps = [waiting?.timestamp, prioritized?.timestamp].filter(
    (t): t is number => typeof t === 'number' && Number.isFinite(t),
  );
  return stamps.length > 0 ? Math.min(...stamps) : null;
}
