import { afterEach, describe, expect, inject, it } from 'vitest';
import { compileLoadedPolicy, classifyTicket } from '../../src/classify/index.js';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';
import { waitUntil } from '../support/cli-process.js';

const redisUrl = inject('redisUrl');

describe('poll -> classify -> tag, against the simulator over HTTP with real Redis', () => {
  let fx: PipelineFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('tags a backlog of 300 tickets, and the echo poll costs zero writes', async () => {
    // Records never count as too old here, so that the figures below do not depend on the machine's speed.
    fx = await startPipeline(redisUrl, {
      sim: { seed: 11, tickets: 300 },
      service: { worker: { carriedRecordMaxAgeSeconds: 3600 } },
    });
    const { sim, service, config } = fx;
    const fields = config.routing.fields;

    const first = await service.pollNow();
    expect(first.enqueued).toBe(300);
    expect(first.carried).toBe(300);
    expect(await service.waitForIdle(60_000)).toBe(true);

    const incidents = sim.list('incidents');
    expect(incidents).toHaveLength(300);
    const policy = compileLoadedPolicy(config);
    for (const ticket of incidents) {
      expect(ticket[fields.decisionHash], `ticket ${String(ticket.IncidentNumber)} untagged`).toBeTruthy();
      // What HEAT shows is what the engine decides from the ticket's current content.
      expect(ticket[fields.category]).toBe(classifyTicket(ticket, policy).category);
      expect(ticket[fields.policyVersion]).toBe(config.policyVersion);
    }

    const afterBacklog = sim.stats();
    // No read (each poll row carries the fields the worker needs) and one write per new ticket, plus
    // one page per 100 tickets (+ moves' notes).
    expect(afterBacklog.byRoute['GET incidents key'] ?? 0).toBe(0);
    expect(afterBacklog.byRoute['PATCH incidents']).toBe(300);

    const echo = await service.pollNow();
    expect(await service.waitForIdle(30_000)).toBe(true);
    expect(echo.seen).toBeGreaterThanOrEqual(300);
    expect(echo.enqueued).toBe(0);
    const afterEcho = sim.stats();
    // No ticket write, no note, no read: the echo costs only the poll's pages (counts write-back to
    // school records is separate and debounced).
    expect(afterEcho.byRoute['PATCH incidents']).toBe(300);
    expect(afterEcho.byRoute['POST journal__notess']).toBe(afterBacklog.byRoute['POST journal__notess']);
    expect(afterEcho.byRoute['GET incidents key'] ?? 0).toBe(0);
    expect(
      (afterEcho.byRoute['GET incidents collection'] ?? 0) -
        (afterBacklog.byRoute['GET incidents collection'] ?? 0),
    ).toBeLessThanOrEqual(5);
  });

  it('a job that carries the version before our own write reads the ticket and writes nothing again', async () => {
    // The poll's overlap can queue a ticket again while its first job runs (BullMQ keeps the last add):
    // that second job carries the row as it was before our write. Deciding on it would tag and note twice.
    fx = await startPipeline(redisUrl, {
      sim: { seed: 13, tickets: 20 },
      service: { worker: { carriedRecordMaxAgeSeconds: 3600 } },
    });
    const { sim, service, config } = fx;
    const fields = config.routing.fields;
    const moved = (t: Record<string, unknown>) =>
      t[fields.routedTo] !== undefined && t[fields.routedTo] !== null;
    const rowsBefore = new Map(sim.list('incidents').map((t) => [String(t.RecId), { ...t }]));
    await service.pollNow();
    expect(await service.waitForIdle(30_000)).toBe(true);
    const target = sim.list('incidents').find((t) => moved(t) && t[fields.routedTo] !== '')!;
    expect(target).toBeDefined();
    const recId = String(target.RecId);
    const stale = rowsBefore.get(recId)!;
    const before = sim.stats();
    await service.queue.enqueue({
      recId,
      source: 'poll',
      lastModDateTime: String(stale.LastModDateTime),
      record: stale as Record<string, string | number | boolean | null>,
      seenAt: new Date().toISOString(),
    });
    expect(await service.waitForIdle(30_000)).toBe(true);
    const after = sim.stats();
    const delta = (route: string) => (after.byRoute[route] ?? 0) - (before.byRoute[route] ?? 0);
    expect(delta('GET incidents key')).toBe(1);
    expect(delta('PATCH incidents')).toBe(0);
    expect(delta('POST journal__notess')).toBe(0);
  });

  it('processes a ticket a person edits after tagging, once', async () => {
    fx = await startPipeline(redisUrl, { sim: { seed: 12, tickets: 20 } });
    const { sim, service, config } = fx;
    await service.pollNow();
    await service.waitForIdle(30_000);
    const target = sim.list('incidents').find((t) => t[config.routing.fields.category] === 'hardware')!;
    expect(target).toBeDefined();
    // HEAT stamps whole seconds: the person's edit must land in a later second than our write, so
    // that its LastModDateTime moves on (the simulator's clock is the real one here).
    const taggedSecond = Math.floor(Date.parse(String(target.LastModDateTime)) / 1000);
    await waitUntil(
      () => Math.floor(Date.now() / 1000) > taggedSecond,
      2_000,
      "HEAT's clock in a later second",
    );
    sim.actAsPerson(String(target.RecId), 'mlopez', {
      Subject: 'Voicemail',
      Symptom: 'My voicemail box is full and the desk phone extension 2201 shows no messages light.',
    });
    const before = sim.stats();
    const poll = await service.pollNow();
    await service.waitForIdle(30_000);
    expect(poll.enqueued).toBe(1);
    const after = sim.get('incidents', String(target.RecId))!;
    expect(after[config.routing.fields.category]).toBe('telephone');
    expect((sim.stats().byRoute['PATCH incidents'] ?? 0) - (before.byRoute['PATCH incidents'] ?? 0)).toBe(1);
  });
});
