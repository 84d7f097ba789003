import { afterEach, describe, expect, inject, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import {
  startActionsPipeline,
  startPipeline,
  type ActionsPipeline,
  type PipelineFixture,
} from '../support/pipeline-fixture.js';

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
    // Only gradebook work a technician holds fails (it must not stay there silently; see below).
    for (const job of await service.queue.queue.getFailed(0, -1)) {
      expect(job.failedReason).toMatch(/restricted ticket/);
    }

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

describe('gradebook work with a technician on a tenant that requires an Owner', () => {
  let sim: Simulator | undefined;
  let ax: ActionsPipeline | undefined;
  afterEach(async () => {
    await ax?.close();
    await sim?.close();
  });

  async function gradebookTicketWithTechnician(s: Simulator): Promise<{ recId: string; technician: string }> {
    const technician = String(s.list('employees').find((e) => e.Team === 'School Technicians')!.LoginID);
    const [created] = s.createTickets(1);
    const recId = String(created!.RecId);
    s.actAsPerson(recId, 'admin', {
      Subject: 'Change a student grade',
      Symptom:
        'Please change the grade for a student in my period 2 gradebook; the grading period is closed.',
      Status: 'Active',
      OwnerTeam: 'School Technicians',
      Owner: technician,
    });
    return { recId, technician };
  }

  it('is never left silently: the tags land, the job is dropped, the refusal is counted', async () => {
    sim = createSimulator({
      seed: 131,
      tickets: 0,
      enforceRequiredFields: true,
      timestampPrecision: 'millisecond',
    });
    await sim.listen(0, '127.0.0.1');
    const { recId, technician } = await gradebookTicketWithTechnician(sim);
    ax = await startActionsPipeline(redisUrl, { sim });
    await ax.service.queue.enqueue({ recId, source: 'webhook' });
    await ax.service.waitForIdle(10_000);
    const [failed] = await ax.service.queue.queue.getFailed(0, 0);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(
      /restricted ticket .* away from a technician.*Fix: name a member of Gradebook Managers/,
    );
    const ticket = sim.get('incidents', recId)!;
    expect(ticket[ax.config.routing.fields.restricted]).toBe(true);
    expect(ticket.Owner).toBe(technician);
    const metrics = await ax.service.metrics.render();
    expect(metrics).toMatch(/sbt_ticket_moves_refused_total\{destination="Gradebook Managers"\} 1/);
    expect(metrics).not.toMatch(/sbt_ticket_moves_total\{destination="Gradebook Managers"\} 1/);
  });

  it('is moved with the configured owner of the gradebook team', async () => {
    sim = createSimulator({
      seed: 132,
      tickets: 0,
      enforceRequiredFields: true,
      timestampPrecision: 'millisecond',
    });
    await sim.listen(0, '127.0.0.1');
    const manager = String(sim.list('employees').find((e) => e.Team === 'Gradebook Managers')!.LoginID);
    const { recId } = await gradebookTicketWithTechnician(sim);
    ax = await startActionsPipeline(redisUrl, {
      sim,
      routingEdits: [[['categories', 'gradebook_admin', 'owner'], manager]],
    });
    await ax.service.queue.enqueue({ recId, source: 'webhook' });
    await ax.service.waitForIdle(10_000);
    expect(await ax.service.queue.queue.getFailedCount()).toBe(0);
    const ticket = sim.get('incidents', recId)!;
    expect(ticket.OwnerTeam).toBe('Gradebook Managers');
    expect(ticket.Owner).toBe(manager);
    expect(sim.notesFor(recId)).toHaveLength(1);
  });
});
