import { startBenchPipeline } from './start-bench-pipeline.js';

export interface WorkerThroughputResult {
  name: string;
  tickets: number;
  seconds: number;
  ticketsPerSecond: number;
  heatCallsPerTicket: number;
  peakRssMb: number;
}

/**
 * Sustained throughput of the whole worker against the simulator over HTTP (latency 0): one poll
 * enqueues a backlog, the worker reads, classifies, PATCHes, notes and counts every ticket.
 */
export async function runWorkerThroughputBench(
  options: { tickets?: number; concurrency?: number } = {},
): Promise<WorkerThroughputResult> {
  const tickets = options.tickets ?? 10_000;
  const concurrency = options.concurrency ?? 32;
  const p = await startBenchPipeline({ seed: 7, tickets, faults: { latencyMs: 0 } }, (s) => ({
    ...s,
    heat: { ...s.heat, maxConcurrency: concurrency },
    worker: { ...s.worker, concurrency },
    poll: { ...s.poll, startFrom: '2000-01-01T00:00:00Z' },
  }));
  try {
    const field = p.config.routing.fields.decisionHash;
    const start = process.hrtime.bigint();
    await p.service.pollNow();
    const drained = await p.service.waitForIdle(600_000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const tagged = p.sim.list('incidents').filter((t) => t[field]).length;
    if (!drained || tagged !== tickets) throw new Error(`only ${tagged} of ${tickets} tickets were tagged`);
    return {
      name: 'worker-throughput',
      tickets,
      seconds: Math.round(seconds * 10) / 10,
      ticketsPerSecond: Math.round(tickets / seconds),
      heatCallsPerTicket: Math.round((p.sim.stats().total / tickets) * 100) / 100,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await p.stop();
  }
}
