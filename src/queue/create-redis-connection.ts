import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer' | 'command';

const SENTINEL_URL =
  /^redis\+sentinel:\/\/(?:([^:@/]*):([^@/]*)@)?([^/?]+)\/([^/?]+)(?:\/(\d+))?(?:\?(.*))?$/;

/**
 * Connection options from REDIS_URL. Besides ioredis' own `redis://` and `rediss://`, Sentinel is
 * written `redis+sentinel://[user:password@]host1:26379,host2:26379/<master name>[/<db>]`, with
 * `?sentinelPassword=...` when the Sentinels need one: ioredis then asks the Sentinels for the master
 * and follows a failover by itself.
 */
export function redisOptionsFromUrl(url: string): RedisOptions | string {
  const m = SENTINEL_URL.exec(url);
  if (!m) return url;
  const [, username, password, hosts, name, db, query] = m;
  const sentinels = hosts!.split(',').map((hostPort) => {
    const [host, port] = hostPort.trim().split(':');
    return { host: host!, port: Number(port ?? 26379) };
  });
  const params = new URLSearchParams(query ?? '');
  const options: RedisOptions = { sentinels, name: decodeURIComponent(name!) };
  if (username) options.username = decodeURIComponent(username);
  if (password) options.password = decodeURIComponent(password);
  if (db) options.db = Number(db);
  const sentinelPassword = params.get('sentinelPassword');
  if (sentinelPassword) options.sentinelPassword = sentinelPassword;
  return options;
}

const CLUSTER_URL = /^redis\+cluster:\/\/(?:([^:@/]*):([^@/]*)@)?([^/?]+)\/?$/;

/**
 * A Redis Cluster is written `redis+cluster://[user:password@]host1:6379,host2:6379,...`: a few of
 * its masters are enough, ioredis learns the others from CLUSTER SLOTS and follows MOVED/ASK. Null
 * when `url` is not a cluster URL. BullMQ needs the queue prefix in braces ({sbt}) there, so that
 * every key of the queue lands in one hash slot.
 */
export function clusterNodesFromUrl(
  url: string,
): { nodes: Array<{ host: string; port: number }>; username?: string; password?: string } | null {
  const m = CLUSTER_URL.exec(url);
  if (!m) return null;
  const [, username, password, hosts] = m;
  const nodes = hosts!.split(',').map((hostPort) => {
    const [host, port] = hostPort.trim().split(':');
    if (!host || (port !== undefined && !/^\d+$/.test(port)))
      throw new Error(
        `REDIS_URL: '${hostPort}' is not host:port (write redis+cluster://host1:6379,host2:6379)`,
      );
    return { host, port: Number(port ?? 6379) };
  });
  return {
    nodes,
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  };
}

/**
 * ioredis connections as BullMQ's production guide asks: workers retry forever
 * (`maxRetriesPerRequest: null`, required for blocking commands) so that a Redis restart is survived
 * without a manual step; producers fail fast (no offline queue, one retry) so that a webhook answers
 * 503 instead of hanging when Redis is down; one-shot commands give up after a few tries.
 */
export function createRedisConnection(url: string, role: RedisRole): Redis {
  const common: RedisOptions = {
    lazyConnect: false,
    connectionName: `sbt-router:${role}`,
    retryStrategy: (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 5_000),
  };
  const byRole: Record<RedisRole, RedisOptions> = {
    worker: { ...common, maxRetriesPerRequest: null, enableReadyCheck: true },
    producer: { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 },
    command: {
      ...common,
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => (times > 3 ? null : 200 * times),
    },
  };
  const cluster = clusterNodesFromUrl(url);
  if (cluster) return createClusterConnection(cluster, byRole[role]);
  const target = redisOptionsFromUrl(url);
  return typeof target === 'string'
    ? new Redis(target, byRole[role])
    : new Redis({ ...target, ...byRole[role] });
}

/**
 * A Cluster client with the role's settings: the retry strategy and offline queue move to the
 * cluster level (ioredis ignores them per node). Typed as Redis for the stores and BullMQ: a
 * Cluster answers the same commands (every key of ours shares the prefix's hash slot, so
 * pipelines and scripts stay in one slot), and BullMQ recognises it and duplicates it as a cluster.
 */
function createClusterConnection(
  cluster: NonNullable<ReturnType<typeof clusterNodesFromUrl>>,
  options: RedisOptions,
): Redis {
  const { retryStrategy, enableOfflineQueue, enableReadyCheck, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: {
      ...perNode,
      ...(cluster.username ? { username: cluster.username } : {}),
      ...(cluster.password ? { password: cluster.password } : {}),
    },
    clusterRetryStrategy: retryStrategy ?? null,
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(enableReadyCheck !== undefined ? { enableReadyCheck } : {}),
  };
  return new Cluster(cluster.nodes, clusterOptions) as unknown as Redis;
}
