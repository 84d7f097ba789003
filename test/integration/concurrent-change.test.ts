import { afterEach, describe, expect, inject, it } from 'vitest';
import type { HeatClient } from '../../src/heat/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { startActionsPipeline, type ActionsPipeline } from '../support/pipeline-fixture.js';
import { waitUntil } from '../support/cli-process.js';

const redisUrl = inject('redisUrl');

describe('a person saves the ticket between our read and our write', () => {
  let fx: ActionsPipeline | undefined;
  let sim: Simulator | undefined;
  afterEach(async () => {
    await fx?.close();
    await sim?.close();
  });

  it('the PATCH answer shows it; the ticket is queued again and decided on its new text', async () => {
    sim = createSimulator({ seed: 111, tickets: 0, timestampPrecision: 'millisecond' });
    await sim.listen(0, '127.0.0.1');
    const [ticket] = sim.createTickets(1);
    const recId = String(ticket!.RecId);
    sim.actAsPerson(recId, 'mlopez', {
      Subject: 'Printer jams in room 4',
      Symptom: 'The classroom printer jams on every page.',
      Category: 'Hardware',
    });
    let raced = false;
    const wrapHeat = (heat: HeatClient): HeatClient => ({
      ...heat,
      async update(set, id, fields) {
        if (!raced && id === recId) {
          raced = true;
          // The person's save lands after our GET and before our PATCH.
          sim!.actAsPerson(recId, 'mlopez', {
            Subject: 'Voicemail light stuck',
            Symptom: 'My desk phone voicemail light stays on and extension 2201 has no messages.',
          });
        }
        return heat.update(set, id, fields);
      },
    });
    fx = await startActionsPipeline(redisUrl, { sim, wrapHeat });
    await fx.service.queue.enqueue({ recId, source: 'webhook' });
    // The job that met the person's save queues the ticket again; the next run routes the new text.
    const category = fx.config.routing.fields.category;
    const routed = () => {
      const t = sim!.get('incidents', recId);
      return t?.[category] === 'telephone' && t.OwnerTeam === 'Telecommunications';
    };
    await waitUntil(routed, 20_000, 'the ticket routed as telephone', () =>
      JSON.stringify({ category: sim!.get('incidents', recId)?.[category], raced }),
    );
    expect(await fx.service.waitForIdle(10_000)).toBe(true);
    expect(raced).toBe(true);
    const after = sim.get('incidents', recId)!;
    expect(after[fx.config.routing.fields.category]).toBe('telephone');
    expect(after.OwnerTeam).toBe('Telecommunications');
  });
});

describe('a person saves the ticket between our poll and our PATCH (the job carries the poll row)', () => {
  let fx: ActionsPipeline | undefined;
  let sim: Simulator | undefined;
  afterEach(async () => {
    await fx?.close();
    await sim?.close();
    fx = undefined;
    sim = undefined;
  });

  /** Waits until the queue stays empty (a requeued job runs after the first). */
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await fx!.service.waitForIdle(10_000);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('new text: the PATCH answer shows it, nothing of it is overwritten, and the ticket is decided again', async () => {
    sim = createSimulator({ seed: 112, tickets: 0, timestampPrecision: 'millisecond' });
    await sim.listen(0, '127.0.0.1');
    const [created] = sim.createTickets(1);
    const recId = String(created!.RecId);
    // At intake: the plan moves it to the technicians; the PATCH never sends the text fields.
    sim.actAsPerson(recId, 'mlopez', {
      Subject: 'Printer jams in room 4',
      Symptom: 'The classroom printer jams on every page.',
      Category: 'Hardware',
    });
    const voicemail = 'My desk phone voicemail light stays on and extension 2201 has no messages.';
    let raced = false;
    let readsBeforePatch = -1;
    const wrapHeat = (heat: HeatClient): HeatClient => ({
      ...heat,
      async update(set, id, fields) {
        if (!raced && id === recId) {
          raced = true;
          readsBeforePatch = sim!.stats().byRoute['GET incidents key'] ?? 0;
          sim!.actAsPerson(recId, 'mlopez', { Subject: 'Voicemail light stuck', Symptom: voicemail });
        }
        return heat.update(set, id, fields);
      },
    });
    fx = await startActionsPipeline(redisUrl, {
      sim,
      wrapHeat,
      service: { worker: { carriedRecordMaxAgeSeconds: 3600 } },
    });
    const poll = await fx.service.pollNow();
    expect(poll.carried).toBe(1);
    await settle();
    expect(raced).toBe(true);
    // The first job decided from the poll row: no read before its PATCH.
    expect(readsBeforePatch).toBe(0);
    const after = sim.get('incidents', recId)!;
    expect(after.Subject).toBe('Voicemail light stuck');
    expect(after.Symptom).toBe(voicemail);
    expect(after[fx.config.routing.fields.category]).toBe('telephone');
    expect(after.OwnerTeam).toBe('Telecommunications');
  });

  it("a person's move: a plan that writes the team reads a record that is not fresh, and leaves the person's team", async () => {
    sim = createSimulator({ seed: 113, tickets: 0, timestampPrecision: 'millisecond' });
    await sim.listen(0, '127.0.0.1');
    const [created] = sim.createTickets(1);
    const recId = String(created!.RecId);
    sim.actAsPerson(recId, 'mlopez', {
      Subject: 'Projector in room 12',
      Symptom: 'The projector in room 12 will not turn on, there is no power light at all.',
      Category: 'Projector',
    });
    // The person moves the ticket right after our poll read it (the row says: at intake).
    const wrapHeat = (heat: HeatClient): HeatClient => ({
      ...heat,
      async *changedSince(watermark, options) {
        for await (const page of heat.changedSince(watermark, options)) {
          yield page;
          sim!.actAsPerson(recId, 'mlopez', { OwnerTeam: 'Telecommunications' });
        }
      },
    });
    // 0: a record is never fresh enough for a move, whatever the machine's speed.
    fx = await startActionsPipeline(redisUrl, {
      sim,
      wrapHeat,
      service: { worker: { carriedRecordMaxAgeSeconds: 0 } },
    });
    const before = sim.stats();
    const poll = await fx.service.pollNow();
    expect(poll.carried).toBe(1);
    await settle();
    const after = sim.get('incidents', recId)!;
    expect(after.OwnerTeam).toBe('Telecommunications');
    expect(after[fx.config.routing.fields.category]).toBe('hardware');
    expect((sim.stats().byRoute['GET incidents key'] ?? 0) - (before.byRoute['GET incidents key'] ?? 0)).toBe(
      1,
    );
    expect(sim.notesFor(recId)).toHaveLength(0);
  });
});
