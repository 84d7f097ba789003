import type { BudgetState, HeatClient } from '../../heat/index.js';

/** "00:00" of an ISO time (UTC). */
const hhmm = (iso: string): string => iso.slice(11, 16);
const calls = (n: number): string => n.toLocaleString('en-US');
const percent = (state: BudgetState): number => Math.floor(state.ratio * 100);

/** What a backfill says when it pauses for the shared HEAT budget (or HEAT's backoff). */
export function budgetPauseMessage(state: BudgetState): string {
  const leave = 'Ctrl-C leaves queued work for the workers';
  if (state.level === 'paused') {
    return (
      `HEAT budget ${percent(state)}% used today (${calls(state.used)} calls); ` +
      `paused until ${hhmm(state.resetsAt)} UTC; ${leave}`
    );
  }
  const until = state.backoffUntil ?? state.resetsAt;
  return `HEAT asked every client to slow down (429 / Retry-After); paused until ${until.slice(11, 19)} UTC; ${leave}`;
}

/** What it says when the pause is over. */
export function budgetResumeMessage(state: BudgetState): string {
  return `HEAT budget ${percent(state)}% used today (${calls(state.used)} calls): resuming the backfill`;
}

export interface BudgetPacerOptions {
  heat: Pick<HeatClient, 'waitForBackfillTurn'>;
  /** Messages for people (stderr). */
  say: (line: string) => void;
  /** Aborted when the backfill stops (Ctrl-C, --timeout): a wait in progress ends at once. */
  signal: AbortSignal;
  /** Re-read the shared count this often while paused (the client's default: 60 s). */
  recheckMs?: number;
}

/**
 * Backfill's turns on the shared HEAT budget: `turn()` before each page and each ticket tagged from a
 * page. Below 80% it goes on at once; from 80% it waits 2 s; at 100% (or while HEAT asks every client
 * to wait) it says so once, waits until the next UTC day (re-reading the count) and says when it resumes.
 * Turns taken side by side (the tagging lanes) announce one pause and one resume between them.
 */
export function createBudgetPacer(options: BudgetPacerOptions) {
  let last: BudgetState | null = null;
  let announced = false;
  let pauses = 0;
  return {
    async turn(): Promise<BudgetState> {
      const state = await options.heat.waitForBackfillTurn({
        signal: options.signal,
        ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}),
        onPause: (paused) => {
          last = paused;
          if (announced) return;
          announced = true;
          pauses += 1;
          options.say(budgetPauseMessage(paused));
        },
      });
      last = state;
      if (announced && !options.signal.aborted && state.level !== 'paused' && state.backoffUntil === null) {
        announced = false;
        options.say(budgetResumeMessage(state));
      }
      return state;
    },
    /** The budget as last seen (null before the first turn), for the progress line. */
    last: (): BudgetState | null => last,
    /** Whether a pause is going on now. */
    paused: (): boolean => announced,
    /** Pauses announced so far. */
    pauses: (): number => pauses,
  };
}

export type BudgetPacer = ReturnType<typeof createBudgetPacer>;
