import { nextWatermark, type HeatClient } from '../heat/index.js';
import type { Logger } from '../observability/index.js';
import type { ProcessedStore, RetryStore, TicketQueue } from '../queue/index.js';
import { isEcho } from './is-echo.js';
import type { WatermarkStore } from './watermark-store.js';

export interface PollDeps {
  heat: HeatClient;
  queue: TicketQueue;
  processed: ProcessedStore;
  watermark: WatermarkStore;
  /** Tickets whose jobs ran out of attempts: queued again at every tick. */
  retry?: RetryStore;
  logger: Logger;
  now?: () => Date;
}

export interface PollSettings {
  incidentSet: string;
  pageSize: number;
  overlapSeconds: number;
  /** Where to start when Redis holds no watermark. */
  startFrom?: string;
  /** Our HEAT login (LastModBy of our writes): a version we wrote ourselves is never re-queued. */
  account: string;
}

export interface PollResult {
  pages: number;
  seen: number;
  enqueued: number;
  /** Records skipped because their version was already processed (our own writes echoing back). */
  echoes: number;
  /** Tickets taken back from the retry set. */
  retried: number;
  watermark: string | null;
}

/** Default first watermark when none is stored and no startFrom is configured: one day back. */
const DEFAULT_LOOKBACK_MS = 24 * 3600_000;

/**
 * One poll tick: reads tickets changed since (watermark - overlap) in small $select'ed pages, skips
 * versions already processed, enqueues one job per changed ticket and advances the watermark page by
 * page (so a crash mid-tick resumes without losing anything; re-enqueued tickets are deduplicated).
 */
export async function pollChangedTickets(deps: PollDeps, settings: PollSettings): Promise<PollResult> {
  const now = deps.now ?? (() => new Date());
  const tickStart = now().getTime();
  const stored = await deps.watermark.get();
  const base = stored ?? settings.startFrom ?? new Date(tickStart - DEFAULT_LOOKBACK_MS).toISOString();
  const overlapMs = stored ? settings.overlapSeconds * 1000 : 0;
  const result: PollResult = { pages: 0, seen: 0, enqueued: 0, echoes: 0, retried: 0, watermark: stored };
  if (deps.retry) {
    const again = await deps.retry.take(1000);
    result.retried = await deps.queue.enqueueMany(
      again.map((recId) => ({ recId, source: 'retry' as const })),
    );
  }
  let newest = base;

  // Pages stay small: $select of the few fields the poll needs (the worker reads the whole record).
  for await (const page of deps.heat.changedSince(base, {
    set: settings.incidentSet,
    overlapMs,
    select: ['IncidentNumber', 'LastModBy'],
    top: settings.pageSize,
    untilMs: tickStart,
  })) {
    result.pages += 1;
    result.seen += page.length;
    const recIds = page.map((r) => String(r.RecId));
    const done = await deps.processed.getMany(recIds);
    const toEnqueue = page.filter((record, i) => {
      const echo = isEcho(
        { lastModBy: record.LastModBy, lastModDateTime: record.LastModDateTime },
        done[i],
        settings.account,
      );
      if (echo) result.echoes += 1;
      return !echo;
    });
    result.enqueued += await deps.queue.enqueueMany(
      toEnqueue.map((r) => ({
        recId: String(r.RecId),
        source: 'poll' as const,
        ...(typeof r.LastModDateTime === 'string' ? { lastModDateTime: r.LastModDateTime } : {}),
      })),
    );
    newest = nextWatermark(newest, page);
    // Never past the tick's start: a change made while this tick ran belongs to the next one.
    const mark = new Date(Math.min(Date.parse(newest), tickStart)).toISOString();
    await deps.watermark.advance(mark);
    result.watermark = mark;
  }
  if (!stored && result.watermark === null) {
    // Nothing changed yet: remember where we started so the next tick does not look back again.
    const mark = new Date(Math.min(Date.parse(newest), tickStart)).toISOString();
    await deps.watermark.advance(mark);
    result.watermark = mark;
  }
  deps.logger.debug('poll tick', { event: 'poll', ...result });
  return result;
}
