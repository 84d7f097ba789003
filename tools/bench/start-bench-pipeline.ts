import { randomBytes } from 'node:crypto';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { projectConfigDir, startThrowawayRedis, type ThrowawayRedis } from '../devtools/index.js';
import { createService, type Service } from '../../src/service/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from 'heat-simulator';

export interface BenchPipeline {
  redis: ThrowawayRedis;
  sim: Simulator;
  service: Service;
  config: LoadedConfig;
  stop(): Promise<void>;
}

/** Throwaway Redis + simulator over HTTP + the real service, for benchmarks. */
export async function startBenchPipeline(
  sim: SimulatorOptions,
  tune: (service: LoadedConfig['service']) => LoadedConfig['service'],
  env: NodeJS.ProcessEnv = {},
): Promise<BenchPipeline> {
  const redis = await startThrowawayRedis();
  const simulator = createSimulator(sim);
  const url = await simulator.listen(0, '127.0.0.1');
  const base = loadConfig({
    env: {
      SBT_CONFIG_DIR: projectConfigDir(),
      HEAT_BASE_URL: url,
      HEAT_API_KEY: simulator.apiKey,
      REDIS_URL: redis.url,
      ...env,
    },
  });
  const config: LoadedConfig = {
    ...base,
    service: tune({ ...base.service, queue: { prefix: `{b${randomBytes(3).toString('hex')}}` } }),
  };
  const service = createService({ config, logger: createSilentLogger(), redisUrl: redis.url, poll: false });
  await service.start();
  return {
    redis,
    sim: simulator,
    service,
    config,
    async stop() {
      await service.stop(5_000);
      await simulator.close();
      await redis.stop();
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
