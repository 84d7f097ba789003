import { afterEach, describe, expect, inject, it } from 'vitest';
import { createWatermarkStore } from '../../src/ingest/index.js';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';

const redisUrl = inject('redisUrl');

describe('poll watermark and overlap', () => {
  let fx: PipelineFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  /**
   * A change committed late (its LastModDateTime is older than changes the poll already saw, as when
   * a long HEAT transaction commits after a shorter one) is found thanks to the overlap, and missed
   * without it: the test fails if the overlap is not applied.
   */
  async function lateCommitFound(
    overlapSeconds: number,
  ): Promise<{ enqueued: number; watermark: string | null }> {
    let clock = Date.parse('2026-11-20T15:00:00Z');
    fx = await startPipeline(redisUrl, {
      sim: { seed: 61, tickets: 3, now: () => new Date(clock), timestampPrecision: 'millisecond' },
      service: { poll: { overlapSeconds, startFrom: '2000-01-01T00:00:00Z' } },
    });
    const { sim, service } = fx;
    await service.pollNow();
    await service.waitForIdle(10_000);
    const [a, b] = sim.list('incidents');
    // A person's change at 15:05, seen by the next poll: the watermark moves to 15:05.
    clock = Date.parse('2026-11-20T15:05:00Z');
    sim.actAsPerson(String(a!.RecId), 'mlopez', { Subject: 'Projector bulb is out in room 12' });
    const seen = await service.pollNow();
    expect(seen.enqueued).toBe(1);
    await service.waitForIdle(10_000);
    // A change stamped 15:04 that becomes visible only now (late commit).
    clock = Date.parse('2026-11-20T15:04:00Z');
    sim.actAsPerson(String(b!.RecId), 'jchen', {
      Subject: 'Need the intercom fixed in the gym',
      Symptom: 'The intercom speaker in the gym is silent during announcements.',
    });
    clock = Date.parse('2026-11-20T15:06:00Z');
    const late = await service.pollNow();
    await service.waitForIdle(10_000);
    return { enqueued: late.enqueued, watermark: late.watermark };
  }

  it('re-reads overlapSeconds behind the watermark, so a late commit is not missed', async () => {
    const result = await lateCommitFound(120);
    expect(result.enqueued).toBe(1);
    const b = fx!.sim.list('incidents')[1]!;
    expect(b[fx!.config.routing.fields.category]).toBe('telephone');
  });

  it('without overlap the late commit is missed (what the overlap is for)', async () => {
    const result = await lateCommitFound(0);
    expect(result.enqueued).toBe(0);
  });

  it('keeps the watermark in Redis and never moves it backwards', async () => {
    fx = await startPipeline(redisUrl, { sim: { seed: 62, tickets: 2 } });
    const store = createWatermarkStore(fx.service.redis, fx.prefix);
    await store.advance('2026-11-20T10:00:00Z');
    await store.advance('2026-11-20T09:00:00-06:00'); // 15:00Z: newer
    await store.advance('2026-11-20T11:00:00Z'); // older than 15:00Z: ignored
    expect(Date.parse((await store.get())!)).toBe(Date.parse('2026-11-20T15:00:00Z'));
  });
});
