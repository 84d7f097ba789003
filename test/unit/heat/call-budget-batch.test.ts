import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createCallBudget } from '../../../src/heat/call-budget.js';
import { captureLogs } from '../../support/capture-logs.js';

/**
 * A stand-in for the shared count in Redis: the budget's registered script, answering like the Lua
 * (totals before and after, no backoff), or failing while `down` is set. Records what each run added.
 */
function fakeBudgetRedis() {
  const state = { total: 0, down: false, runs: [] as Array<Record<string, number>> };
  const redis = {
    defineCommand() {},
    async hget(): Promise<string | null> {
      if (state.down) throw new Error('Connection is closed.');
      return String(state.total);
    },
    async get(): Promise<string | null> {
      if (state.down) throw new Error('Connection is closed.');
      return null;
    },
    async sbtHeatBudgetCount(_count: string, _backoff: string, _ttl: string, ...pairs: string[]) {
      if (state.down) throw new Error('Connection is closed.');
      const added: Record<string, number> = {};
      for (let i = 0; i < pairs.length; i += 2) added[pairs[i]!] = Number(pairs[i + 1]);
      state.runs.push(added);
      const before = state.total;
      state.total += Object.values(added).reduce((a, b) => a + b, 0);
      return [before, state.total, null];
    },
  };
  return { redis: redis as unknown as Redis, state };
}

function budgetOn(redis: Redis) {
  return createCallBudget({
    dailyCallBudget: 100,
    now: () => new Date('2026-11-20T10:00:00Z'),
    logger: captureLogs().logger,
    store: { redis, prefix: '{sbt}' },
  });
}

describe('call budget: counts sent to Redis in batches', () => {
  it('counts made in one turn go to Redis as one run, by method', async () => {
    const { redis, state } = fakeBudgetRedis();
    const budget = budgetOn(redis);
    await Promise.all([budget.count('GET'), budget.count('PATCH'), budget.count('GET')]);
    expect(state.runs).toEqual([{ GET: 2, PATCH: 1 }]);
    await budget.count('POST');
    expect(state.runs).toEqual([{ GET: 2, PATCH: 1 }, { POST: 1 }]);
    expect(budget.stats()).toMatchObject({ calls: 4, byMethod: { GET: 2, PATCH: 1, POST: 1 } });
  });

  it('calls counted while Redis does not answer go ahead and are added with the next run that reaches it', async () => {
    const { redis, state } = fakeBudgetRedis();
    const budget = budgetOn(redis);
    state.down = true;
    await Promise.all([budget.count('GET'), budget.count('GET')]);
    await budget.count('PATCH');
    expect(state.runs).toEqual([]);
    state.down = false;
    await budget.count('POST');
    expect(state.runs).toEqual([{ GET: 2, PATCH: 1, POST: 1 }]);
    expect(state.total).toBe(4);
    // Nothing is added twice afterwards.
    await budget.count('GET');
    expect(state.runs[1]).toEqual({ GET: 1 });
    expect(state.total).toBe(5);
  });

  it('a budget never read from Redis is not taken as unspent: the backfill goes at the high-water pace', async () => {
    const { redis, state } = fakeBudgetRedis();
    const budget = budgetOn(redis);
    state.down = true;
    expect(await budget.state()).toMatchObject({
      used: 80,
      budget: 100,
      level: 'slow',
      backfillDelayMs: 2000,
    });
    // Once a total was read, a later failure keeps the last figure seen (here 3 of 100: normal pace).
    state.down = false;
    state.total = 3;
    expect(await budget.state()).toMatchObject({ used: 3, level: 'normal', backfillDelayMs: 0 });
    state.down = true;
    expect(await budget.state()).toMatchObject({ used: 3, level: 'normal', backfillDelayMs: 0 });
  });

  it('waits for a fail-fast connection still connecting, then reads the real total (not the fallback)', async () => {
    // Like the producer connection just after start-up: commands are refused until 'ready'.
    const conn = Object.assign(new EventEmitter(), {
      status: 'connecting',
      defineCommand() {},
      async hget(): Promise<string | null> {
        if (conn.status !== 'ready')
          throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
        return '100';
      },
      async get(): Promise<string | null> {
        if (conn.status !== 'ready')
          throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
        return null;
      },
    });
    const budget = budgetOn(conn as unknown as Redis);
    setTimeout(() => {
      conn.status = 'ready';
      conn.emit('ready');
    }, 30);
    expect(await budget.state()).toMatchObject({ used: 100, budget: 100, level: 'paused' });
  });
});
