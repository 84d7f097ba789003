import type { HeatClient } from '../heat/index.js';
import type { PollStatusStore, WatermarkStore } from '../ingest/index.js';
import type { Metrics } from '../observability/index.js';
import { oldestWaitingJobTimestamp, type ParkedStore, type TicketQueue } from '../queue/index.js';

export interface ServiceMetricsSources {
  queue: TicketQueue;
  watermark: WatermarkStore;
  pollStatus: PollStatusStore;
  heat: HeatClient;
  parked: ParkedStore;
}

/** Gauges read at scrape time: queue depth and age, poll recency and lag, HEAT budget use, parked tickets. */
export function collectServiceMetrics(metrics: Metrics, sources: ServiceMetricsSources): void {
  const { queue, watermark, pollStatus, heat, parked } = sources;
  metrics.onScrape(async () => {
    const counts = await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ state }, n);
    // Waiting includes the prioritized set (backfill jobs), as in the backlog readiness reads.
    const oldest = await oldestWaitingJobTimestamp(queue.queue);
    metrics.oldestWaitingJobAgeSeconds.set(oldest === null ? 0 : (Date.now() - oldest) / 1000);
    const lastPollAt = pollStatus.lastLocalSuccessAt();
    if (lastPollAt) metrics.pollLastSuccessTimestampSeconds.set(lastPollAt.getTime() / 1000);
    const mark = await watermark.get();
    if (mark) metrics.pollLagSeconds.set(Math.max(0, (Date.now() - Date.parse(mark)) / 1000));
    metrics.heatBudgetUsedRatio.set((await heat.budgetState()).ratio);
    metrics.parkedTickets.set(await parked.size());
  });
}
