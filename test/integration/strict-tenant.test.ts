import { afterEach, describe, expect, inject, it } from 'vitest';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';

const redisUrl = inject('redisUrl');

describe('a tenant that requires an Owner on active tickets', () => {
  let fx: PipelineFixture | undefined;
  afterEach(async () => {
    await fx?.close();
  });

  it('keeps the tags when HEAT refuses a move that clears the Owner, and moves what it may', async () => {
    fx = await startPipeline(redisUrl, { sim: { seed: 101, tickets: 60, enforceRequiredFields: true } });
    const { sim, service, config } = fx;
    const before = new Map(sim.list('incidents').map((t) => [String(t.RecId), { ...t }]));
    await service.pollNow();
    expect(await service.waitForIdle(30_000)).toBe(true);
    expect(await service.queue.queue.getFailedCount()).toBe(0);

    let refusedMoves = 0;
    let moves = 0;
    for (const ticket of sim.list('incidents')) {
      const was = before.get(String(ticket.RecId))!;
      // Every ticket carries its classification, whether or not it could be moved.
      expect(ticket[config.routing.fields.decisionHash]).toBeTruthy();
      const notes = sim.notesFor(String(ticket.RecId)).length;
      if (ticket.OwnerTeam !== was.OwnerTeam) {
        moves += 1;
        expect(notes).toBe(1);
      } else if (
        was.Status === 'Active' &&
        was.Owner &&
        ticket[config.routing.fields.scope] === 'out_of_scope'
      ) {
        refusedMoves += 1;
        expect(ticket[config.routing.fields.routedTo] ?? '').toBe('');
        expect(notes).toBe(0);
      }
    }
    expect(moves).toBeGreaterThan(0);
    expect(refusedMoves).toBeGreaterThan(0);
  });
});
