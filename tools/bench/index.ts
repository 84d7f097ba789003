import { runBackfillCostBench } from './backfill-cost-bench.js';
import { runClassifyBench } from './classify-bench.js';
import { formatMarkdownTable, type FigureRow } from './markdown-table.js';
import { runPatternCompileBench } from './pattern-compile-bench.js';
import { runWebhookLatencyBench } from './webhook-latency-bench.js';
import {
  budgetTicketsPerSecond,
  runLatencyScalingBench,
  runLiveFlowBench,
  runWorkerThroughputBench,
  type WorkerThroughputResult,
} from './worker-throughput-bench.js';

/**
 * `npm run bench`: prints numbers, asserts nothing (tools/bench/README.md). Options:
 *   --only classify|patterns|throughput|scale|replicas|latency|webhook|backfill  (one section; default all but scale)
 *   --backlog N (alias --tickets)  throughput backlog, default 10,000; `--only scale` runs 10,000 and 100,000
 *   --concurrency N   worker.concurrency = heat.maxConcurrency of the throughput runs (default 32)
 *   --replicas N      replicas of the replicas section (default 3)
 *   --latency MS      simulator latency of the throughput section (default 0)
 *   --cpu-prof DIR    V8 CPU profile of the (first) worker process of the throughput section, into DIR
 *   --log             production JSON log lines in the worker (to /dev/null) instead of a silent logger
 *   --seconds N       webhook run length (default 60)
 *   --history N       Resolved/Closed tickets of the backfill cost run (default 30,000)
 *   --markdown        print the README's figures table (markdown) instead of the lines
 */
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const flag = (name: string) => args.includes(`--${name}`);
const num = (name: string, fallback: number): number => {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`bench: --${name} must be a number >= 0 (got '${raw}')`);
    process.exit(2);
  }
  return n;
};
const SECTIONS = [
  'classify',
  'patterns',
  'throughput',
  'scale',
  'replicas',
  'latency',
  'webhook',
  'backfill',
];
const only = arg('only');
if (only !== undefined && !SECTIONS.includes(only)) {
  console.error(`bench: --only must be one of ${SECTIONS.join(', ')} (got '${only}')`);
  process.exit(2);
}
const run = (name: string) => (only ? only === name : name !== 'scale');
const markdown = flag('markdown');
const rows: FigureRow[] = [];
const line = (text: string) => (markdown ? console.error(text) : console.log(text));
const n = (x: number) => x.toLocaleString('en-US');
const concurrency = num('concurrency', 32);
const log = flag('log') ? 'info' : 'silent';
const cpuProf = arg('cpu-prof');

const throughputLine = (r: WorkerThroughputResult) =>
  `${n(r.ticketsPerSecond)} tickets/s for a backlog of ${n(r.tickets)} (${r.seconds} s, ${r.replicas} replica${r.replicas > 1 ? 's' : ''} x concurrency ${r.concurrency}, simulator latency ${r.latencyMs} ms); ${r.heatCallsPerTicket} HEAT calls per ticket; worker peak RSS ${r.workerPeakRssMb.join(' / ')} MB (simulator in its own process), heap after GC ${r.workerHeapAfterGcMb.join(' / ')} MB; CPU per ticket: worker ${r.workerCpuMsPerTicket} ms, simulator ${r.simCpuMsPerTicket} ms, redis-server ${r.redisCpuMsPerTicket} ms; ${r.redisCommandsPerTicket} Redis commands per ticket, redis-server peak memory ${r.redisPeakMb} MB (${r.redisTopCommands.map((c) => `${c.command} ${c.perTicket}`).join(', ')}); most notes on one ticket ${r.maxNotesPerTicket}; backlog queued in ${r.feedSeconds} s${r.echoPoll ? `; echo poll after: ${n(r.echoPoll.seen)} seen, ${r.echoPoll.enqueued} queued again, ${r.echoPoll.pages} pages in ${r.echoPoll.seconds} s` : ''}`;

if (run('classify')) {
  const r = await runClassifyBench({ tickets: 100_000 });
  line(
    `classify: ${n(r.ticketsPerSecond)} tickets/s on one core over ${n(r.tickets)} tickets (target >= 20,000), ${n(r.ticketsPerCpuSecond)} per second of the process's CPU time; peak RSS ${r.peakRssMb} MB, heap used ${r.heapUsedMb} MB`,
  );
  rows.push({
    what: 'classification throughput (rules + model), one core',
    figure: `${n(r.ticketsPerSecond)} tickets/s over ${n(r.tickets)} tickets; peak RSS ${r.peakRssMb} MB`,
  });
}
if (run('patterns')) {
  const r = runPatternCompileBench({ reloads: 20 });
  const t = (x: { coldMs: number; reloadMedianMs: number; reloadMaxMs: number }): string =>
    `cold ${x.coldMs} ms, then median ${x.reloadMedianMs} ms / max ${x.reloadMaxMs} ms over 20`;
  line(
    `pattern compile (RE2), ${r.patterns} patterns (shipped + 12 adversarial; target < 100 ms): patterns alone, uncached ${t(r.patternsOnly)}; whole compilePolicy (patterns cached after the first) ${t(r.compilePolicy)}`,
  );
  rows.push({
    what: `pattern compile (RE2), ${r.patterns} patterns incl. 12 adversarial`,
    figure: `uncached ${t(r.patternsOnly)}; compilePolicy ${t(r.compilePolicy)}`,
  });
}
if (run('throughput')) {
  const latencyMs = num('latency', 0);
  const r = await runWorkerThroughputBench({
    tickets: num('backlog', num('tickets', 10_000)),
    concurrency,
    latencyMs,
    log,
    ...(cpuProf ? { cpuProfDir: cpuProf } : {}),
  });
  line(`worker throughput: ${throughputLine(r)}`);
  if (cpuProf)
    line(
      `CPU profile of the worker written to ${cpuProf} (summarise: node dist-tools/tools/bench/cpu-profile-summary.js ${cpuProf})`,
    );
  rows.push({
    what: `worker throughput, ${n(r.tickets)}-ticket backlog, simulator latency ${latencyMs} ms`,
    figure: `${n(r.ticketsPerSecond)} tickets/s (1 replica, concurrency ${r.concurrency}); worker peak RSS ${r.workerPeakRssMb[0]} MB; ${r.workerCpuMsPerTicket} ms CPU per ticket`,
  });
  const l = await runLiveFlowBench({ concurrency });
  line(
    `live flow HEAT calls per ticket (${l.tickets} new tickets over 5 poll ticks, simulator call log, poll pages shared): in scope ${l.inScope.perTicket} (${l.inScope.tickets} tickets, target <= 1.02), moved ${l.moved.perTicket} (${l.moved.tickets}, target <= 2.02), echo ${l.echo.perTicket} (${l.echo.tickets} rows seen, target 0)`,
  );
  rows.push({
    what: 'live-flow HEAT calls per ticket (new tickets between poll ticks; jobs carry the row)',
    figure: `in scope ${l.inScope.perTicket}, moved ${l.moved.perTicket}, echo ${l.echo.perTicket}`,
  });
  rows.push({
    what: 'HEAT calls per ticket of a backlog queued without the rows (read, PATCH, notes, count writes)',
    figure: `${r.heatCallsPerTicket}`,
  });
}
if (run('scale')) {
  const small = await runWorkerThroughputBench({ tickets: 10_000, concurrency, log });
  line(`worker throughput: ${throughputLine(small)}`);
  const large = await runWorkerThroughputBench({ tickets: 100_000, concurrency, log });
  line(`worker throughput: ${throughputLine(large)}`);
  const speed = large.ticketsPerSecond / small.ticketsPerSecond;
  const rss = large.workerPeakRssMb[0]! / small.workerPeakRssMb[0]!;
  line(
    `cost in the size of the backlog: 100,000 vs 10,000 throughput x${speed.toFixed(2)} (target >= 0.9), worker RSS ${large.workerPeakRssMb[0]} vs ${small.workerPeakRssMb[0]} MB x${rss.toFixed(2)} (target <= 1.2, <= 300 MB)`,
  );
  rows.push({
    what: 'backlog 100,000 vs 10,000 (simulator latency 0)',
    figure: `${n(large.ticketsPerSecond)} vs ${n(small.ticketsPerSecond)} tickets/s (x${speed.toFixed(2)}); worker peak RSS ${large.workerPeakRssMb[0]} vs ${small.workerPeakRssMb[0]} MB (x${rss.toFixed(2)})`,
  });
}
if (run('replicas')) {
  const replicas = num('replicas', 3);
  const r = await runWorkerThroughputBench({ tickets: num('backlog', 10_000), concurrency, replicas, log });
  line(`replicas: ${throughputLine(r)}`);
  rows.push({
    what: `${replicas} worker replicas on one Redis, ${n(r.tickets)}-ticket backlog, latency 0`,
    figure: `${n(r.ticketsPerSecond)} tickets/s combined; peak RSS ${r.workerPeakRssMb.join(' / ')} MB; most notes on one ticket ${r.maxNotesPerTicket}`,
  });
}
if (run('latency')) {
  const r = await runLatencyScalingBench({ latencyMs: 200, concurrencies: [4, 8, 16, 32] });
  const budget = budgetTicketsPerSecond(r.heatCallsPerTicket);
  const steps = r.rows.map((x) => `concurrency ${x.concurrency}: ${x.ticketsPerSecond}/s`).join(', ');
  line(
    `latency ${r.latencyMs} ms: ${steps} (${r.heatCallsPerTicket} calls per ticket); the daily HEAT budget allows ${budget.toFixed(2)} tickets/s sustained (${n(Math.round(budget * 86_400))} a day)`,
  );
  rows.push({ what: `worker throughput, simulator latency ${r.latencyMs} ms`, figure: steps });
  rows.push({
    what: 'what the daily HEAT call budget allows (heat.dailyCallBudget)',
    figure: `${budget.toFixed(2)} tickets/s, ${n(Math.round(budget * 86_400))} tickets a day at ${r.heatCallsPerTicket} calls per ticket`,
  });
}
if (run('webhook')) {
  const r = await runWebhookLatencyBench({ ratePerSecond: 20, seconds: num('seconds', 60) });
  line(
    `webhook-to-write latency at ${r.ratePerSecond} tickets/s for ${r.seconds} s (${r.tickets} tickets): p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms (target p99 < 250 ms); missed ${r.missed}`,
  );
  rows.push({
    what: `webhook-to-write latency at ${r.ratePerSecond} tickets/s for ${r.seconds} s`,
    figure: `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; missed ${r.missed}`,
  });
}
if (run('backfill')) {
  const r = await runBackfillCostBench({ history: num('history', 30_000) });
  const calls = (x: typeof r.countsOnly): string => {
    const routes = Object.entries(x.byRoute)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, count]) => `${route} ${count}`)
      .join(', ');
    return `${n(x.calls)} calls = ${x.perTicket.toFixed(4)} per ticket (${routes})${x.exitCode === 0 ? '' : `, exit ${x.exitCode}`}`;
  };
  line(
    `backfill cost (simulator call log), ${n(r.tickets)} Resolved/Closed tickets: --counts-only ${calls(r.countsOnly)} (target <= 0.012); then --tag-history ${calls(r.tagHistory)} (target <= 1.02)`,
  );
  rows.push({
    what: `backfill of a history, ${n(r.tickets)} Resolved/Closed tickets`,
    figure: `--counts-only: ${n(r.countsOnly.calls)} HEAT calls, ${r.countsOnly.perTicket.toFixed(3)} per ticket; --tag-history after it: ${n(r.tagHistory.calls)} calls, ${r.tagHistory.perTicket.toFixed(3)} per ticket`,
  });
}
if (markdown) console.log(formatMarkdownTable(rows));
process.exit(0);
