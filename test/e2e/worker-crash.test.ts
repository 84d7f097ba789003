import { afterEach, describe, expect, inject, it } from 'vitest';
import { classifyTicket, compileLoadedPolicy } from '../../src/classify/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { Redis } from 'ioredis';
import { readTicketQueueStatus } from '../../src/queue/index.js';
import { startCli, tenantEnv, waitUntil } from '../support/cli-process.js';

const redisUrl = inject('redisUrl');

const SERVICE = `poll:
  intervalSeconds: 1
  startFrom: '2000-01-01T00:00:00Z'
worker:
  concurrency: 4
  lockDurationMs: 2000
  stalledIntervalMs: 1000
  shutdownDeadlineMs: 5000
http:
  enabled: false
counts:
  debounceSeconds: 0
`;

describe('worker processes: killed mid-run, another takes over', () => {
  let sim: Simulator | undefined;
  const children: Array<{ kill: (s: NodeJS.Signals) => boolean }> = [];
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    await sim?.close();
  });

  it('leaves no ticket untagged, none written twice, one note per moved ticket', async () => {
    // Latency makes each job slow enough that the kill lands mid-run with jobs in flight.
    sim = createSimulator({ seed: 31, tickets: 300, faults: { latencyMs: 15 } });
    const url = await sim.listen(0, '127.0.0.1');
    const { dir, prefix, env } = tenantEnv({
      heatUrl: url,
      apiKey: sim.apiKey,
      redisUrl,
      serviceYaml: SERVICE,
    });
    const tagged = () => sim!.list('incidents').filter((t) => t.SBT_DecisionHash).length;

    const first = startCli(['worker'], env);
    children.push(first.child);
    await waitUntil(
      () => tagged() >= 60,
      30_000,
      '60 tickets tagged',
      () => `${tagged()} tagged`,
    );
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const taggedAtKill = tagged();
    expect(taggedAtKill).toBeLessThan(300);

    const second = startCli(['worker'], env);
    children.push(second.child);
    await waitUntil(
      () => tagged() >= 300,
      60_000,
      'all 300 tickets tagged',
      () => `${tagged()} tagged`,
    );
    expect(tagged()).toBe(300);
    // The taken-over jobs finish (a job the dead worker held is retried after its lock expires): wait
    // for the queue to hold nothing waiting, active or delayed.
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      await waitUntil(
        async () => {
          const q = await readTicketQueueStatus({ redis: connection, prefix });
          return q.waiting + q.active + q.delayed === 0;
        },
        30_000,
        'the queue drained',
      );
    } finally {
      connection.disconnect();
    }
    second.child.kill('SIGTERM');
    const stopped = await second.done;
    expect(stopped.code).toBe(0);

    const config = loadConfig({ dir, env });
    const policy = compileLoadedPolicy(config);
    const stats = sim.stats();
    // Exactly one PATCH per ticket: a retried job re-reads the ticket, finds its fingerprint, writes nothing.
    // A PATCH in flight when the first worker was killed may be applied without its answer being counted.
    expect(stats.byRoute['PATCH incidents']).toBeLessThanOrEqual(300);
    for (const ticket of sim.list('incidents')) {
      expect(ticket.SBT_Category).toBe(classifyTicket(ticket, policy).category);
      const notes = sim.notesFor(String(ticket.RecId));
      expect(
        notes.length,
        `ticket ${String(ticket.IncidentNumber)} has ${notes.length} notes`,
      ).toBeLessThanOrEqual(1);
      if (ticket.SBT_RoutedTo && ticket.OwnerTeam === ticket.SBT_RoutedTo) expect(notes).toHaveLength(1);
    }
  }, 120_000);
});
