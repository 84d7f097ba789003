import { describe, expect, it } from 'vitest';
import { createDeadline } from '../../src/observability/index.js';

describe('createDeadline', () => {
  it('counts down on the injected clock and never below zero', () => {
    let t = 1_000;
    const deadline = createDeadline(20_000, () => t);
    expect(deadline.remainingMs()).toBe(20_000);
    t += 5_000;
    expect(deadline.remainingMs()).toBe(15_000);
    t += 30_000;
    expect(deadline.remainingMs()).toBe(0);
    expect(deadline.totalMs).toBe(20_000);
  });

  it('says whether the work finished within what remains', async () => {
    const deadline = createDeadline(10_000);
    expect(await deadline.within(Promise.resolve('done'))).toBe(true);
    // Nothing is left once the reserve is taken out: the step does not wait at all.
    expect(await deadline.within(new Promise(() => undefined), { reserveMs: 10_000 })).toBe(false);
    expect(await deadline.within(new Promise(() => undefined), { maxMs: 0 })).toBe(false);
  });

  it('passes on a rejection that comes in time', async () => {
    const deadline = createDeadline(10_000);
    await expect(deadline.within(Promise.reject(new Error('close failed')))).rejects.toThrow('close failed');
  });

  it('gives nothing once the budget is spent', async () => {
    let t = 0;
    const deadline = createDeadline(100, () => t);
    t = 500;
    expect(await deadline.within(new Promise(() => undefined))).toBe(false);
  });
});
