import type { Writable } from 'node:stream';

/** What a backfill has done so far, as the progress line shows it. */
export interface BackfillProgressState {
  /** Tickets taken on: read from the pages (each once) plus parked tickets queued again. */
  queued: number;
  /** Of those, tickets finished: counted or tagged from the pages, or their job done (any replica). */
  processed: number;
  /** false while pages are still being read (more tickets may come). */
  walkDone: boolean;
  /** HEAT calls this backfill made so far. */
  heatCalls: number;
  /**
   * The shared HEAT budget as last read: the day's calls of every client, the daily budget
   * (heat.dailyCallBudget), what backfill does at this level, and until when (ISO) while paused.
   */
  budget: { used: number; budget: number; level: 'normal' | 'slow' | 'paused'; pausedUntil: string | null };
}

/** On a terminal the line is redrawn at most this often; otherwise a plain line this often. */
export const TTY_INTERVAL_MS = 2_000;
export const PLAIN_INTERVAL_MS = 30_000;

/** 75 s -> "1m 15s"; 3,700 s -> "1h 1m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/**
 * The progress line: queued / processed / remaining, rate, ETA, this backfill's HEAT calls and the share
 * of the shared daily budget used today (every client), with "slowed down" from 80% and "paused until"
 * while backfill waits. The ETA is shown once every page is read (before, the total is not known).
 */
export function formatProgress(state: BackfillProgressState, elapsedMs: number): string {
  const processed = Math.min(state.processed, state.queued);
  const remaining = state.queued - processed;
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? processed / seconds : 0;
  const eta = !state.walkDone ? 'reading pages' : rate > 0 ? formatDuration(remaining / rate) : 'unknown';
  const { budget } = state;
  const share = budget.budget > 0 ? (100 * budget.used) / budget.budget : 0;
  const pace =
    budget.pausedUntil !== null
      ? `, paused until ${budget.pausedUntil.slice(11, 16)} UTC`
      : budget.level === 'slow'
        ? ', slowed down'
        : '';
  return (
    `backfill: ${state.queued} queued, ${processed} processed, ${remaining} remaining, ` +
    `${rate.toFixed(1)} tickets/s, ETA ${eta}, HEAT calls ${state.heatCalls}; ` +
    `HEAT budget ${share.toFixed(1)}% used today (of ${budget.budget}${pace})`
  );
}

export interface BackfillProgressOptions {
  /** Where the line goes (stderr): stdout keeps only the final summary. */
  stream: Writable;
  /** Redraw one line with \r (a terminal) or print a plain line (a log). */
  tty: boolean;
  /** The clock (ms); injected so that a test decides when a line is due. */
  nowMs: () => number;
  state: () => BackfillProgressState;
}

/**
 * Prints the progress line when due: on a terminal one line redrawn (`\r`) at most every 2 s, otherwise
 * a plain line every 30 s. `tick()` is called often (a timer); the clock alone decides what is printed.
 */
export function createBackfillProgress(options: BackfillProgressOptions) {
  const startedAt = options.nowMs();
  const interval = options.tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
  let lastAt = startedAt;
  let drawn = false;
  return {
    /** Prints the line if its interval has passed since the last one (or the start); returns whether it did. */
    tick(): boolean {
      const now = options.nowMs();
      if (now - lastAt < interval) return false;
      lastAt = now;
      const line = formatProgress(options.state(), now - startedAt);
      if (options.tty) {
        options.stream.write(`\r${line}\x1b[K`);
        drawn = true;
      } else {
        options.stream.write(`${line}\n`);
      }
      return true;
    },
    /** Ends a redrawn line (so what follows starts on a line of its own). */
    end(): void {
      if (drawn) options.stream.write('\n');
      drawn = false;
    },
    /** Ms since the start by the injected clock. */
    elapsedMs: () => options.nowMs() - startedAt,
  };
}

export type BackfillProgress = ReturnType<typeof createBackfillProgress>;
