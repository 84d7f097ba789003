export { startThrowawayRedis, ensureRedisInstalled, freePort } from './throwaway-redis.js';
export type { ThrowawayRedis } from './throwaway-redis.js';
export { projectRoot, projectConfigDir } from './project-root.js';
