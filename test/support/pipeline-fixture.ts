import { randomBytes } from 'node:crypto';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { createService, type Service, type ServiceOptions } from '../../src/main.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

export interface PipelineFixture {
  sim: Simulator;
  service: Service;
  config: LoadedConfig;
  prefix: string;
  close(): Promise<void>;
}

type ServiceOverrides = Partial<{
  [K in keyof LoadedConfig['service']]: Partial<LoadedConfig['service'][K]> | LoadedConfig['service'][K];
}>;

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
  const service: Record<string, unknown> = { ...base.service };
  const overrides: Record<string, unknown> = {
    queue: { prefix },
    poll: { startFrom: '2000-01-01T00:00:00Z' },
    counts: { debounceSeconds: 0 },
    ...options.service,
  };
  for (const [key, value] of Object.entries(overrides)) {
    const current = service[key];
    service[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? { ...(current as object), ...(value as object) }
        : value;
  }
  const config = { ...base, service: service as LoadedConfig['service'] };
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
