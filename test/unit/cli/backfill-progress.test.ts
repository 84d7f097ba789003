import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createBackfillProgress,
  formatDuration,
  formatProgress,
  type BackfillProgressState,
} from '../../../src/cli/commands/backfill-progress.js';

/** A progress reporter on a pinned clock, writing into a string. */
function reporter(tty: boolean, state: BackfillProgressState) {
  let now = 1_000_000;
  let text = '';
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => (text += c.toString()));
  const progress = createBackfillProgress({ stream, tty, nowMs: () => now, state: () => state });
  return {
    progress,
    state,
    at(ms: number) {
      now = 1_000_000 + ms;
    },
    text: () => text,
  };
}

const base: BackfillProgressState = {
  queued: 1000,
  processed: 0,
  walkDone: false,
  heatCalls: 0,
  budget: { used: 0, budget: 90_000, level: 'normal', pausedUntil: null },
};

describe('backfill progress', () => {
  it('on a log (not a terminal) prints a plain line every 30 s, never sooner', () => {
    const r = reporter(false, { ...base });
    r.at(29_999);
    expect(r.progress.tick()).toBe(false);
    r.state.processed = 300;
    r.state.heatCalls = 12;
    r.state.budget = { used: 912, budget: 90_000, level: 'normal', pausedUntil: null };
    r.at(30_000);
    expect(r.progress.tick()).toBe(true);
    r.at(45_000);
    expect(r.progress.tick()).toBe(false);
    r.state.walkDone = true;
    r.state.processed = 600;
    r.state.heatCalls = 20;
    r.state.budget = { used: 920, budget: 90_000, level: 'normal', pausedUntil: null };
    r.at(60_000);
    expect(r.progress.tick()).toBe(true);
    r.progress.end();
    expect(r.text()).toBe(
      'backfill: 1000 queued, 300 processed, 700 remaining, 10.0 tickets/s, ETA reading pages, HEAT calls 12; HEAT budget 1.0% used today (of 90000)\n' +
        'backfill: 1000 queued, 600 processed, 400 remaining, 10.0 tickets/s, ETA 40s, HEAT calls 20; HEAT budget 1.0% used today (of 90000)\n',
    );
  });

  it('on a terminal redraws one line with \\r at most every 2 s, and ends it with a newline', () => {
    const r = reporter(true, { ...base, walkDone: true });
    r.at(1_999);
    expect(r.progress.tick()).toBe(false);
    r.state.processed = 50;
    r.at(2_000);
    expect(r.progress.tick()).toBe(true);
    r.at(3_000);
    expect(r.progress.tick()).toBe(false);
    r.state.processed = 1000;
    r.state.heatCalls = 11;
    r.at(4_000);
    expect(r.progress.tick()).toBe(true);
    r.progress.end();
    expect(r.text()).toBe(
      '\rbackfill: 1000 queued, 50 processed, 950 remaining, 25.0 tickets/s, ETA 38s, HEAT calls 0; HEAT budget 0.0% used today (of 90000)\x1b[K' +
        '\rbackfill: 1000 queued, 1000 processed, 0 remaining, 250.0 tickets/s, ETA 0s, HEAT calls 11; HEAT budget 0.0% used today (of 90000)\x1b[K' +
        '\n',
    );
  });

  it('prints nothing (not even a newline) when the run ends before the first interval', () => {
    const r = reporter(true, { ...base });
    r.at(500);
    r.progress.tick();
    r.progress.end();
    expect(r.text()).toBe('');
  });

  it('never shows more processed than queued, and no ETA before anything is done', () => {
    expect(formatProgress({ ...base, walkDone: true, processed: 0 }, 10_000)).toBe(
      'backfill: 1000 queued, 0 processed, 1000 remaining, 0.0 tickets/s, ETA unknown, HEAT calls 0; HEAT budget 0.0% used today (of 90000)',
    );
    expect(formatProgress({ ...base, walkDone: true, processed: 1200 }, 10_000)).toContain(
      '1000 processed, 0 remaining',
    );
  });

  it('shows the shared budget: slowed down from 80%, paused until the next UTC day at 100%', () => {
    const at = (budget: BackfillProgressState['budget']) =>
      formatProgress({ ...base, processed: 100, heatCalls: 7, budget }, 10_000);
    expect(at({ used: 72_500, budget: 90_000, level: 'slow', pausedUntil: null })).toBe(
      'backfill: 1000 queued, 100 processed, 900 remaining, 10.0 tickets/s, ETA reading pages, HEAT calls 7; HEAT budget 80.6% used today (of 90000, slowed down)',
    );
    expect(
      at({ used: 90_000, budget: 90_000, level: 'paused', pausedUntil: '2026-11-04T00:00:00.000Z' }),
    ).toBe(
      'backfill: 1000 queued, 100 processed, 900 remaining, 10.0 tickets/s, ETA reading pages, HEAT calls 7; HEAT budget 100.0% used today (of 90000, paused until 00:00 UTC)',
    );
  });

  it('writes durations for people', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(75)).toBe('1m 15s');
    expect(formatDuration(3_700)).toBe('1h 1m');
  });
});
