import { randomBytes } from 'node:crypto';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { createService, type Service, type ServiceOptions } from '../../src/service/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from 'heat-simulator';
import { withServiceOverrides, type ServiceOverrides } from './with-service-overrides.js';

export interface PipelineFixture {
  sim: Simulator;
  service: Service;
  config: LoadedConfig;
  prefix: string;
  close(): Promise<void>;
}

/** A simulator on a free port plus the real service wired to it and to the test run's Redis. */
export async function startPipeline(
  redisUrl: string,
  options: {
    sim?: SimulatorOptions;
    service?: ServiceOverrides;
    serviceOptions?: Partial<ServiceOptions>;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<PipelineFixture> {
  const sim = createSimulator({ seed: 11, tickets: 300, ...options.sim });
  const url = await sim.listen(0, '127.0.0.1');
  const prefix = `{t${randomBytes(4).toString('hex')}}`;
  const base = loadConfig({
    dir: 'config',
    env: { HEAT_BASE_URL: url, HEAT_API_KEY: sim.apiKey, REDIS_URL: redisUrl, ...options.env },
  });
  const config = withServiceOverrides(base, prefix, options.service);
  const svc = createService({
    config,
    logger: createSilentLogger(),
    redisUrl,
    poll: false,
    ...options.serviceOptions,
  });
  await svc.start();
  return {
    sim,
    service: svc,
    config,
    prefix,
    async close() {
      await svc.stop(5_000);
      await sim.close();
    },
  };
}
