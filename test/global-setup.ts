import type { TestProject } from 'vitest/node';
import { startThrowawayRedis, type ThrowawayRedis } from '../tools/devtools/index.js';

let redis: ThrowawayRedis | undefined;

/** One throwaway Redis for the whole run; each test uses its own key prefix / queue name. */
export async function setup(project: TestProject): Promise<void> {
  redis = await startThrowawayRedis();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
