import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { projectConfigDir, startThrowawayRedis, type ThrowawayRedis } from '../devtools/index.js';
import { createService, type Service } from '../../src/service/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from 'heat-simulator';
import { forkChild, type ChildRpc } from './child-rpc.js';
import type { SimSummary } from './sim-child.js';
import type { WorkerChildOptions, WorkerUsage } from './worker-child.js';

export interface BenchPipeline {
  redis: ThrowawayRedis;
  sim: Simulator;
  service: Service;
  config: LoadedConfig;
  stop(): Promise<void>;
}

/** Throwaway Redis + simulator over HTTP + the real service, all in this process (the webhook bench). */
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

/** The simulator and the worker replicas each in a process of their own, on one throwaway Redis. */
export interface ProcessPipeline {
  redis: ThrowawayRedis;
  sim: ChildRpc<{ url: string; apiKey: string }>;
  workers: Array<ChildRpc<{ pid: number }>>;
  prefix: string;
  /** Decision-fingerprint field name (the tag that marks a ticket done). */
  decisionField: string;
  summary(): Promise<SimSummary>;
  usage(): Promise<WorkerUsage[]>;
  stop(): Promise<void>;
}

export interface ProcessPipelineOptions {
  sim: SimulatorOptions;
  replicas: number;
  worker: Omit<WorkerChildOptions, 'prefix'>;
  /** node flags for the first replica only (e.g. --cpu-prof). */
  firstWorkerExecArgv?: string[];
}

export async function startProcessPipeline(options: ProcessPipelineOptions): Promise<ProcessPipeline> {
  const redis = await startThrowawayRedis();
  const sim = await forkChild<{ url: string; apiKey: string }>(
    fileURLToPath(new URL('./sim-child.js', import.meta.url)),
    [JSON.stringify(options.sim)],
  );
  const prefix = `{b${randomBytes(3).toString('hex')}}`;
  const env = {
    HEAT_BASE_URL: sim.ready.url,
    HEAT_API_KEY: sim.ready.apiKey,
    REDIS_URL: redis.url,
    SBT_CONFIG_DIR: projectConfigDir(),
  };
  const workers: Array<ChildRpc<{ pid: number }>> = [];
  const stop = async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await sim.stop();
    await redis.stop();
  };
  try {
    for (let i = 0; i < options.replicas; i++) {
      workers.push(
        await forkChild<{ pid: number }>(
          fileURLToPath(new URL('./worker-child.js', import.meta.url)),
          [JSON.stringify({ ...options.worker, prefix } satisfies WorkerChildOptions)],
          { env, execArgv: ['--expose-gc', ...(i === 0 ? (options.firstWorkerExecArgv ?? []) : [])] },
        ),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const decisionField = loadConfig({ dir: projectConfigDir(), env: {} }).routing.fields.decisionHash;
  return {
    redis,
    sim,
    workers,
    prefix,
    decisionField,
    summary: () => sim.call<SimSummary>('summary', { field: decisionField }),
    usage: () => Promise.all(workers.map((w) => w.call<WorkerUsage>('usage'))),
    stop,
  };
}
