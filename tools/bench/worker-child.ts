import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { createLogger, createSilentLogger } from '../../src/observability/index.js';
import { createService } from '../../src/service/index.js';
import { projectConfigDir } from '../devtools/index.js';

/**
 * One worker replica in a process of its own (forked by worker-process.ts): the real service, polling
 * off unless asked, with the settings a benchmark passes as JSON in argv[2]. HEAT_BASE_URL,
 * HEAT_API_KEY and REDIS_URL come from the environment. Answers requests over the IPC channel.
 */
export interface WorkerChildOptions {
  prefix: string;
  concurrency: number;
  heatConcurrency: number;
  /** Run the poll scheduler in this replica (all replicas may: the scheduler picks one per tick). */
  poll: boolean;
  pollIntervalSeconds?: number;
  /** Start with the ticket worker paused (op 'resume' starts it): the bench fills the queue first. */
  paused?: boolean;
  /** 'info': the production JSON log lines (to the child's stdout, which the bench discards). */
  log: 'silent' | 'info';
}

export interface WorkerUsage {
  rssMb: number;
  maxRssMb: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  heapUsedMb: number;
  /** Heap in use after a full GC (when node runs with --expose-gc): what the worker really holds. */
  heapAfterGcMb: number | null;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as WorkerChildOptions;
const base = loadConfig({ env: { SBT_CONFIG_DIR: projectConfigDir(), ...process.env } });
const config: LoadedConfig = {
  ...base,
  service: {
    ...base.service,
    queue: { prefix: opts.prefix },
    heat: { ...base.service.heat, maxConcurrency: opts.heatConcurrency },
    worker: { ...base.service.worker, concurrency: opts.concurrency },
    poll: {
      ...base.service.poll,
      startFrom: '2000-01-01T00:00:00Z',
      ...(opts.pollIntervalSeconds ? { intervalSeconds: opts.pollIntervalSeconds } : {}),
    },
    http: { ...base.service.http, enabled: false },
  },
};
const logger = opts.log === 'info' ? createLogger({ level: 'info' }) : createSilentLogger();
const service = createService({ config, logger, redisUrl: process.env.REDIS_URL!, poll: opts.poll });
await service.start();
if (opts.paused) await service.worker.pause(true);

function usage(): WorkerUsage {
  const r = process.resourceUsage();
  const mb = (b: number) => Math.round(b / 1024 / 1024);
  const heapUsedMb = mb(process.memoryUsage().heapUsed);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return {
    rssMb: mb(process.memoryUsage.rss()),
    maxRssMb: Math.round(r.maxRSS / 1024),
    cpuUserMs: Math.round(r.userCPUTime / 1000),
    cpuSystemMs: Math.round(r.systemCPUTime / 1000),
    heapUsedMb,
    heapAfterGcMb: gc ? mb(process.memoryUsage().heapUsed) : null,
  };
}

type Request = { id: number; op: string; timeoutMs?: number };
process.on('message', (req: Request) => {
  const answer = (p: Promise<unknown>) =>
    p.then(
      (result) => process.send?.({ id: req.id, result }),
      (err: unknown) => process.send?.({ id: req.id, error: String(err) }),
    );
  if (req.op === 'pollNow')
    void answer(service.pollNow().then((r) => ({ enqueued: r.enqueued, seen: r.seen, pages: r.pages })));
  else if (req.op === 'waitForIdle') void answer(service.waitForIdle(req.timeoutMs ?? 600_000));
  else if (req.op === 'resume') void answer(Promise.resolve(service.worker.resume()));
  else if (req.op === 'usage') void answer(Promise.resolve(usage()));
  else if (req.op === 'close') {
    void answer(service.stop(10_000).then(() => null)).then(() => process.exit(0));
  }
});
process.on('disconnect', () => {
  void service.stop(2_000).finally(() => process.exit(0));
});
process.send?.({ ready: { pid: process.pid } });
