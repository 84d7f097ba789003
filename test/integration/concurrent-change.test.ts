import { afterEach, describe, expect, inject, it } from 'vitest';
import type { HeatClient } from '../../src/heat/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { startActionsPipeline, type ActionsPipeline } from '../support/pipeline-fixture.js';

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
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        await fx!.service.waitForIdle(10_000);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await settle();
    expect(raced).toBe(true);
    const after = sim.get('incidents', recId)!;
    expect(after[fx.config.routing.fields.category]).toBe('telephone');
    expect(after.OwnerTeam).toBe('Telecommunications');
  });
});
