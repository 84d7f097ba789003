import { afterEach, describe, expect, it } from 'vitest';
import { startThrowawayRedis, type ThrowawayRedis } from '../../tools/devtools/index.js';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';
import { waitFor } from '../support/cli-process.js';

describe('a Redis restart', () => {
  let redis: ThrowawayRedis | undefined;
  let fx: PipelineFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    await redis?.stop();
  });

  it('is survived without a manual step: the worker resumes taking jobs', async () => {
    // A Redis of this test's own, since it is stopped and started again on the same port.
    redis = await startThrowawayRedis();
    fx = await startPipeline(redis.url, { sim: { seed: 71, tickets: 5 } });
    const { sim, service, config } = fx;
    await service.pollNow();
    expect(await service.waitForIdle(10_000)).toBe(true);

    await redis.stop();
    // Both connections have seen Redis go before it comes back.
    expect(
      await waitFor(() => service.producer.status !== 'ready' && service.redis.status !== 'ready', 10_000),
    ).toBe(true);
    redis = await startThrowawayRedis({ port: redis.port });
    // Both connections come back by themselves (ioredis retry strategy; BullMQ's worker keeps going).
    expect(
      await waitFor(() => service.producer.status === 'ready' && service.redis.status === 'ready', 15_000),
    ).toBe(true);

    const [created] = sim.createTickets(1);
    // The watermark was in the Redis that was lost: the poll starts over from startFrom, re-queues
    // everything, and the tickets already tagged cost a read but no write.
    const before = sim.stats().byRoute['PATCH incidents'] ?? 0;
    await service.pollNow();
    expect(
      await waitFor(
        () => Boolean(sim.get('incidents', String(created!.RecId))?.[config.routing.fields.decisionHash]),
        20_000,
      ),
    ).toBe(true);
    await service.waitForIdle(10_000);
    expect((sim.stats().byRoute['PATCH incidents'] ?? 0) - before).toBe(1);
  }, 60_000);

  it('puts the poll scheduler back when Redis comes back empty, so polling resumes by itself', async () => {
    redis = await startThrowawayRedis();
    fx = await startPipeline(redis.url, {
      sim: { seed: 72, tickets: 3 },
      service: { poll: { intervalSeconds: 1 } },
      serviceOptions: { poll: true },
    });
    const { sim, service, config } = fx;
    const hash = config.routing.fields.decisionHash;
    expect(await waitFor(() => sim.list('incidents').every((t) => t[hash]), 20_000)).toBe(true);

    await redis.stop();
    expect(await waitFor(() => service.redis.status !== 'ready', 10_000)).toBe(true);
    redis = await startThrowawayRedis({ port: redis.port });
    const [created] = sim.createTickets(1);
    // No pollNow(): the scheduler itself must be back (it was lost with the data).
    expect(
      await waitFor(() => Boolean(sim.get('incidents', String(created!.RecId))?.[hash]), 30_000, 200),
    ).toBe(true);
  }, 60_000);
});
