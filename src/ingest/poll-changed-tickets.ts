import { HeatApiError, nextWatermark, type HeatClient } from '../heat/index.js';
import type { HeatRecord } from '../domain/index.js';
import type { Logger } from '../observability/index.js';
import { carriedRecordOf, type ProcessedStore, type RetryStore, type TicketQueue } from '../queue/index.js';
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
  /**
   * The fields the worker needs (service/ticketFieldsNeeded): pages `$select` them and each job carries
   * its row, so the worker needs no GET. Without it pages hold ids only and the worker reads each ticket.
   */
  recordFields?: readonly string[];
}

export interface PollResult {
  pages: number;
  seen: number;
  enqueued: number;
  /** Records skipped because their version was already processed (our own writes echoing back). */
  echoes: number;
  /** Tickets taken back from the retry set. */
  retried: number;
  /** Jobs that carry their ticket's fields (the worker skips its GET). */
  carried: number;
  /** HEAT refused the `$select` of recordFields (400: a field the tenant lacks); the tick used ids only. */
  recordSelectRefused: boolean;
  watermark: string | null;
}

/** What the poll selects when jobs carry no record: the echo check's fields. */
const THIN_SELECT = ['IncidentNumber', 'LastModBy'] as const;

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
  const result: PollResult = {
    pages: 0,
    seen: 0,
    enqueued: 0,
    echoes: 0,
    retried: 0,
    carried: 0,
    recordSelectRefused: false,
    watermark: stored,
  };
  if (deps.retry) {
    const again = await deps.retry.take(1000);
    result.retried = await deps.queue.enqueueMany(
      again.map((recId) => ({ recId, source: 'retry' as const })),
    );
  }
  const walk = { newest: base };
  const fields = settings.recordFields;
  try {
    await pollPages(deps, settings, { base, overlapMs, tickStart, fields }, result, walk);
  } catch (err) {
    // A field the tenant lacks makes HEAT refuse the whole $select (docs/heat-api.md §4): poll with ids
    // only (the worker reads each ticket), and say so. Nothing was enqueued from the refused request.
    if (!fields || !(err instanceof HeatApiError) || err.status !== 400 || result.pages > 0) throw err;
    deps.logger.warn('HEAT refused the poll $select of the fields jobs carry; polling with ids only', {
      event: 'poll_select_refused',
      fields,
      error: err.message,
    });
    result.recordSelectRefused = true;
    await pollPages(deps, settings, { base, overlapMs, tickStart, fields: undefined }, result, walk);
  }
  const newest = walk.newest;
  if (!stored && result.watermark === null) {
    // Nothing changed yet: remember where we started so the next tick does not look back again.
    const mark = new Date(Math.min(Date.parse(newest), tickStart)).toISOString();
    await deps.watermark.advance(mark);
    result.watermark = mark;
  }
  deps.logger.debug('poll tick', { event: 'poll', ...result });
  return result;
}

/** The pages of one tick: echo check, jobs (with their rows when `fields` is given), watermark. */
async function pollPages(
  deps: PollDeps,
  settings: PollSettings,
  q: { base: string; overlapMs: number; tickStart: number; fields: readonly string[] | undefined },
  result: PollResult,
  walk: { newest: string },
): Promise<void> {
  const now = deps.now ?? (() => new Date());
  // Pages stay small: $select of the fields the worker needs (or only the echo check's).
  for await (const page of deps.heat.changedSince(q.base, {
    set: settings.incidentSet,
    overlapMs: q.overlapMs,
    select: q.fields ?? THIN_SELECT,
    top: settings.pageSize,
    untilMs: q.tickStart,
  })) {
    const seenAt = now().toISOString();
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
      toEnqueue.map((r) => {
        const record = q.fields ? carryable(r, q.fields) : null;
        if (record) result.carried += 1;
        return {
          recId: String(r.RecId),
          source: 'poll' as const,
          ...(typeof r.LastModDateTime === 'string' ? { lastModDateTime: r.LastModDateTime } : {}),
          ...(record ? { record, seenAt } : {}),
        };
      }),
    );
    walk.newest = nextWatermark(walk.newest, page);
    // Never past the tick's start: a change made while this tick ran belongs to the next one.
    const mark = new Date(Math.min(Date.parse(walk.newest), q.tickStart)).toISOString();
    await deps.watermark.advance(mark);
    result.watermark = mark;
  }
}

/** A page row as a job's record (null: a field is missing or the row is too big to carry). */
function carryable(row: HeatRecord, fields: readonly string[]) {
  return typeof row.LastModDateTime === 'string' ? carriedRecordOf(row, fields) : null;
}
