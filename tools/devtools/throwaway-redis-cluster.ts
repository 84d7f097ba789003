import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.js';

export interface ThrowawayRedisCluster {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` (src/queue/create-redis-connection.ts). */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port whose cluster-bus port (port + 10000) is free too, below the ephemeral range. */
async function freeClusterPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair (port and port + 10000) between 20000 and 50000');
}

function redisCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * A private Redis Cluster of `masters` (default 3) masters and no replicas on loopback, from Debian's
 * redis-server in cluster mode, joined with `redis-cli --cluster create --cluster-yes`; resolves once
 * every node reports cluster_state:ok. For tests and benchmarks only.
 */
export async function startThrowawayRedisCluster(
  options: { masters?: number; timeoutMs?: number } = {},
): Promise<ThrowawayRedisCluster> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const nodes: ThrowawayRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startThrowawayRedis({
          port: freeClusterPort,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    const created = redisCli([
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${(created.stderr || created.stdout).slice(-800)}`);
    const until = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      const states = nodes.map((n) => redisCli(['-p', String(n.port), 'cluster', 'info']).stdout);
      if (states.every((s) => /cluster_state:ok/.test(s))) break;
      if (Date.now() > until)
        throw new Error(`the cluster did not reach cluster_state:ok: ${states.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { url: `redis+cluster://${addresses.join(',')}`, ports: nodes.map((n) => n.port), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
