import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyTicket, compileLoadedPolicy } from '../../src/classify/index.js';
import { loadConfig } from '../../src/config/index.js';
import { projectConfigDir, projectRoot } from '../devtools/index.js';
import type { HeatRecord } from '../../src/domain/index.js';

export interface ClassifyBenchResult {
  name: string;
  /** By the wall clock: what a quiet machine shows. */
  ticketsPerSecond: number;
  /**
   * By the process's own CPU time (user + system): tickets per second of one busy core, which other
   * processes on a shared machine slow down far less than the wall-clock figure.
   */
  ticketsPerCpuSecond: number;
  tickets: number;
  peakRssMb: number;
  heapUsedMb: number;
}

/**
 * Classification throughput on one core: compiles the shipped policy once, then classifies at least
 * 100,000 tickets drawn (cycled) from the labelled corpus, timed by the wall clock and by the process's
 * CPU time. Peak RSS from process.resourceUsage (kB).
 */
export async function runClassifyBench(options: { tickets?: number } = {}): Promise<ClassifyBenchResult> {
  const total = Math.max(options.tickets ?? 100_000, 1);
  const root = projectRoot();
  const corpus = readFileSync(join(root, 'test', 'fixtures', 'labelled-tickets.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as HeatRecord);
  const cfg = loadConfig({ dir: projectConfigDir(), env: {} });
  const policy = compileLoadedPolicy(cfg);
  // Warm-up so that the JIT has compiled the hot path before the clock starts.
  for (let i = 0; i < Math.min(2000, total); i++) classifyTicket(corpus[i % corpus.length]!, policy);
  let sink = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < total; i++) sink += classifyTicket(corpus[i % corpus.length]!, policy).confidence;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the loop from being optimised away');
  return {
    name: 'classify',
    ticketsPerSecond: Math.round(total / seconds),
    ticketsPerCpuSecond: Math.round(total / cpuSeconds),
    tickets: total,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
  };
}
