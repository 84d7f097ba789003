import { afterEach, describe, expect, inject, it } from 'vitest';
import { HeatApiError, type HeatClient } from '../../src/heat/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { startActionsPipeline, type ActionsPipeline } from '../support/pipeline-fixture.js';

const redisUrl = inject('redisUrl');

/** Jobs give up after 2 quick attempts; HEAT calls are not retried inside the client. */
const QUICK_RETRIES = {
  worker: { attempts: 2, backoffMs: 20 },
  heat: { retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 } },
} as const;

describe('jobs that run out of attempts', () => {
  let sim: Simulator | undefined;
  let ax: ActionsPipeline | undefined;
  afterEach(async () => {
    await ax?.close();
    await sim?.close();
  });

  it('after a HEAT outage longer than the retries, the next poll takes the ticket back', async () => {
    sim = createSimulator({ seed: 141, tickets: 0, timestampPrecision: 'millisecond' });
    await sim.listen(0, '127.0.0.1');
    const [created] = sim.createTickets(1);
    const recId = String(created!.RecId);
    ax = await startActionsPipeline(redisUrl, { sim, service: QUICK_RETRIES });
    await ax.service.pollNow(); // the watermark passes the ticket now
    sim.setFaults({ errorRate: 1 });
    await ax.service.waitForIdle(10_000);
    expect(await ax.service.queue.queue.getFailedCount()).toBe(1);
    expect(sim.get('incidents', recId)![ax.config.routing.fields.decisionHash]).toBeFalsy();

    sim.setFaults({ errorRate: 0 });
    const poll = await ax.service.pollNow();
    expect(poll.retried).toBe(1);
    await ax.service.waitForIdle(10_000);
    expect(sim.get('incidents', recId)![ax.config.routing.fields.decisionHash]).toBeTruthy();
  });

  it('a job that failed after its PATCH (the note never made it) gets its one note on the next poll', async () => {
    sim = createSimulator({ seed: 142, tickets: 0, timestampPrecision: 'millisecond' });
    await sim.listen(0, '127.0.0.1');
    const [created] = sim.createTickets(1);
    const recId = String(created!.RecId);
    sim.actAsPerson(recId, 'mlopez', {
      Subject: 'Voicemail not working',
      Symptom: 'My desk phone voicemail says the mailbox is full; extension 2201.',
    });
    let notesDown = true;
    const wrapHeat = (heat: HeatClient): HeatClient => ({
      ...heat,
      async createNote(note) {
        if (notesDown) {
          throw new HeatApiError({
            status: 503,
            method: 'POST',
            path: '/api/odata/businessobject/journal__notess',
          });
        }
        return heat.createNote(note);
      },
    });
    ax = await startActionsPipeline(redisUrl, { sim, wrapHeat, service: QUICK_RETRIES });
    await ax.service.pollNow();
    await ax.service.waitForIdle(10_000);
    expect(await ax.service.queue.queue.getFailedCount()).toBe(1);
    const moved = sim.get('incidents', recId)!;
    expect(moved.OwnerTeam).toBe('Telecommunications');
    expect(sim.notesFor(recId)).toHaveLength(0);

    notesDown = false;
    const poll = await ax.service.pollNow();
    // The poll itself sees only our own write (LastModBy): the retry set brings the ticket back.
    expect(poll.enqueued).toBe(0);
    expect(poll.retried).toBe(1);
    await ax.service.waitForIdle(10_000);
    expect(sim.notesFor(recId)).toHaveLength(1);
    await ax.service.pollNow();
    await ax.service.waitForIdle(10_000);
    expect(sim.notesFor(recId)).toHaveLength(1);
  });
});
