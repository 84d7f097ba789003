import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyTicket, compileLoadedPolicy } from '../../src/classify/index.js';
import { loadConfig } from '../../src/config/index.js';
import { projectConfigDir, projectRoot } from '../devtools/index.js';
import type { HeatRecord } from '../../src/domain/index.js';

export interface ClassifyBenchResult {
  name: string;
  ticketsPerSecond: number;
  tickets: number;
  peakRssMb: number;
  heapUsedMb: number;
}

/**
 * Classification throughput on one core: compiles the shipped policy once, then classifies at least
 * 100,000 tickets drawn (cycled) from the labelled corpus. Peak RSS from process.resourceUsage (kB).
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
  for (let i = 0; i < total; i++) sink += classifyTicket(corpus[i % corpus.length]!, policy).confidence;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the loop from being optimised away');
  return {
    name: 'classify',
    ticketsPerSecond: Math.round(total / seconds),
    tickets: total,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
  };
}
