/**
 * A Node preload (`node --import <this file, compiled>`) that pins the clock of a process the fault
 * suite starts (the HEAT simulator, the worker, the backfill): the clock reads
 * SBT_FAULTS_CLOCK_START at the real instant SBT_FAULTS_CLOCK_AT (epoch ms) and runs on from there.
 * Every process of one run gets the same pair, so they share one clock, and no real date decides
 * which counting period the tickets fall in. Timers are untouched (only the reading of the date moves).
 * Without the two variables it does nothing. Development only: never loaded by the shipped service.
 */
const start = process.env.SBT_FAULTS_CLOCK_START;
const at = Number(process.env.SBT_FAULTS_CLOCK_AT);

if (start !== undefined && Number.isFinite(at) && !Number.isNaN(Date.parse(start))) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const offsetMs = RealDate.parse(start) - at;

  class PinnedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(realNow() + offsetMs);
      else super(...(args as [number, number, number, number, number, number, number]));
    }

    static override now(): number {
      return realNow() + offsetMs;
    }
  }

  globalThis.Date = PinnedDate as DateConstructor;
}

export {};
