export { startThrowawayRedis, ensureRedisInstalled, freePort } from './throwaway-redis.js';
export type { ThrowawayRedis, ThrowawayRedisOptions } from './throwaway-redis.js';
export { startThrowawayRedisCluster } from './throwaway-redis-cluster.js';
export type { ThrowawayRedisCluster } from './throwaway-redis-cluster.js';
export { projectRoot, projectConfigDir } from './project-root.js';
