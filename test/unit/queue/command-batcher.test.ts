import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { commandBatcherFor, createCommandBatcher } from '../../../src/queue/command-batcher.js';

/**
 * A Redis whose pipelines record their commands and answer from `answer(command)`; a command sent on
 * its own (not in a pipeline) is recorded in `direct`.
 */
function fakeRedis(answer: (cmd: string[]) => [Error | null, unknown]) {
  const execs: string[][][] = [];
  const direct: string[][] = [];
  const send = async (cmd: string[]) => {
    direct.push(cmd);
    const [err, value] = answer(cmd);
    if (err) throw err;
    return value;
  };
  const redis = {
    set: (...a: string[]) => send(['set', ...a]),
    hdel: (...a: string[]) => send(['hdel', ...a]),
    pipeline() {
      const cmds: string[][] = [];
      const p = {
        set: (...a: string[]) => (cmds.push(['set', ...a]), p),
        hdel: (...a: string[]) => (cmds.push(['hdel', ...a]), p),
        exec: async () => {
          execs.push(cmds);
          return cmds.map(answer);
        },
      };
      return p;
    },
  };
  return { redis: redis as unknown as Redis, execs, direct };
}

describe('command batcher', () => {
  it('sends the commands of one event-loop turn as one pipeline, each caller getting its own answer', async () => {
    const { redis, execs } = fakeRedis((cmd) => [null, cmd[0] === 'hdel' ? 1 : 'OK']);
    const batch = createCommandBatcher(redis);
    const answers = await Promise.all([
      batch.run((p) => p.set('a', '1')),
      batch.run((p) => p.hdel('h', 'x')),
      batch.run((p) => p.set('b', '2')),
    ]);
    expect(answers).toEqual(['OK', 1, 'OK']);
    expect(execs).toEqual([
      [
        ['set', 'a', '1'],
        ['hdel', 'h', 'x'],
        ['set', 'b', '2'],
      ],
    ]);
    // A later turn starts a new batch.
    await Promise.all([batch.run((p) => p.set('c', '3')), batch.run((p) => p.set('d', '4'))]);
    expect(execs).toHaveLength(2);
    expect(execs[1]).toEqual([
      ['set', 'c', '3'],
      ['set', 'd', '4'],
    ]);
  });

  it('sends a command alone in its turn as a plain command (no pipeline built), with its answer or error', async () => {
    const { redis, execs, direct } = fakeRedis((cmd) =>
      cmd[1] === 'bad' ? [new Error('WRONGTYPE'), null] : [null, cmd[0] === 'hdel' ? 0 : 'OK'],
    );
    const batch = createCommandBatcher(redis);
    expect(await batch.run((p) => p.hdel('h', 'x'))).toBe(0);
    await expect(batch.run((p) => p.set('bad', '1'))).rejects.toThrow('WRONGTYPE');
    expect(direct).toEqual([
      ['hdel', 'h', 'x'],
      ['set', 'bad', '1'],
    ]);
    expect(execs).toEqual([]);
  });

  it('rejects only the caller whose command failed', async () => {
    const { redis } = fakeRedis((cmd) => (cmd[1] === 'bad' ? [new Error('WRONGTYPE'), null] : [null, 'OK']));
    const batch = createCommandBatcher(redis);
    const results = await Promise.allSettled([
      batch.run((p) => p.set('good', '1')),
      batch.run((p) => p.set('bad', '1')),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'OK' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'WRONGTYPE' } });
  });

  it('rejects every caller of a pipeline that failed as a whole', async () => {
    const redis = {
      pipeline: () => {
        const p = { set: () => p, exec: () => Promise.reject(new Error('Connection is closed.')) };
        return p;
      },
    } as unknown as Redis;
    const batch = createCommandBatcher(redis);
    const results = await Promise.allSettled([
      batch.run((p) => p.set('a', '1')),
      batch.run((p) => p.set('b', '1')),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual([
      'Connection is closed.',
      'Connection is closed.',
    ]);
  });

  it('shares one batcher per connection', () => {
    const a = fakeRedis(() => [null, 'OK']).redis;
    const b = fakeRedis(() => [null, 'OK']).redis;
    expect(commandBatcherFor(a)).toBe(commandBatcherFor(a));
    expect(commandBatcherFor(a)).not.toBe(commandBatcherFor(b));
  });
});
