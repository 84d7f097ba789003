import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTicket, compileLoadedPolicy } from '../../src/classify/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createCountsService, periodOf } from '../../src/counts/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createRedisConnection } from '../../src/queue/index.js';
import { createSimulator, type Simulator } from 'heat-simulator';
import { startThrowawayRedisCluster, type ThrowawayRedisCluster } from '../../tools/devtools/index.js';
import { runCli, startCli, tenantEnv, waitUntil } from '../support/cli-process.js';
import { noHeat } from '../support/no-heat.js';

const TICKETS = 200;
const SERVICE = `poll:
  intervalSeconds: 1
  startFrom: '2000-01-01T00:00:00Z'
worker:
  concurrency: 4
  shutdownDeadlineMs: 5000
http:
  enabled: false
counts:
  debounceSeconds: 0
`;

describe('a Redis Cluster of three masters', () => {
  let cluster: ThrowawayRedisCluster;
  let sim: Simulator | undefined;
  beforeAll(async () => {
    cluster = await startThrowawayRedisCluster({ masters: 3 });
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
    await cluster?.stop();
  });

  it('runs the whole pipeline with a hash-tagged prefix: every ticket tagged once, noted once, counted', async () => {
    sim = createSimulator({ seed: 61, tickets: TICKETS });
    const url = await sim.listen(0, '127.0.0.1');
    // makeConfigDir writes queue.prefix '{e<hex>}': every key of ours is in that tag's hash slot.
    const { dir, prefix, env } = tenantEnv({
      heatUrl: url,
      apiKey: sim.apiKey,
      redisUrl: cluster.url,
      serviceYaml: SERVICE,
    });
    const worker = startCli(['worker', '--no-http'], env);
    let stderr = '';
    worker.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const tagged = () => sim!.list('incidents').filter((t) => t.SBT_DecisionHash).length;
    try {
      await waitUntil(
        () => {
          if (worker.child.exitCode !== null) throw new Error(`the worker exited early:\n${stderr}`);
          return tagged() === TICKETS;
        },
        90_000,
        `all ${TICKETS} tickets tagged`,
        () => `${tagged()} tagged\n${stderr}`,
      );
    } finally {
      worker.child.kill('SIGTERM');
    }
    const stopped = await worker.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).not.toMatch(/CROSSSLOT|MOVED|ClusterAllFailedError/);

    const config = loadConfig({ dir, env });
    const policy = compileLoadedPolicy(config);
    expect(sim.stats().byRoute['PATCH incidents']).toBe(TICKETS);
    let moved = 0;
    for (const ticket of sim.list('incidents')) {
      expect(ticket.SBT_Category).toBe(classifyTicket(ticket, policy).category);
      const notes = sim.notesFor(String(ticket.RecId)).length;
      if (ticket.SBT_RoutedTo && ticket.OwnerTeam === ticket.SBT_RoutedTo) {
        moved += 1;
        expect(notes).toBe(1);
      } else expect(notes).toBe(0);
    }
    expect(sim.stats().byRoute['POST journal__notess']).toBe(moved);

    // Every key of ours (queue, stores, counts) sits in the prefix's slot, on one master.
    const perNode = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis(port, '127.0.0.1');
        try {
          return (await node.keys(`${prefix}*`)).length;
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(perNode.filter((n) => n > 0)).toHaveLength(1);
    expect(Math.max(...perNode)).toBeGreaterThan(TICKETS);
    // And the cluster client (src/queue/create-redis-connection.ts) reads them from any entry node.
    const redis = createRedisConnection(cluster.url, 'command');
    try {
      expect(await redis.exists(`${prefix}:tickets:meta`)).toBe(1);
      // Each ticket counted once, in the period of its CreatedDateTime (counts' Lua script in one slot).
      const counts = createCountsService({
        redis,
        heat: noHeat,
        logger: createSilentLogger(),
        config: config.service,
        fields: config.routing.fields,
      });
      const periods = new Set(
        sim.list('incidents').map((t) => periodOf(String(t.CreatedDateTime), config.service.counts)),
      );
      let counted = 0;
      for (const period of periods) for (const row of await counts.snapshot(period)) counted += row.total;
      expect(counted).toBe(TICKETS);
    } finally {
      redis.disconnect();
    }
    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { queue?: { waiting?: number; active?: number } };
    expect(parsed.queue?.waiting).toBe(0);
    expect(parsed.queue?.active).toBe(0);
  }, 180_000);
});
