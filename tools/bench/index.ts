import { runBackfillCostBench } from './backfill-cost-bench.js';
import { runClassifyBench } from './classify-bench.js';
import { runPatternCompileBench } from './pattern-compile-bench.js';
import { runWebhookLatencyBench } from './webhook-latency-bench.js';
import { runWorkerThroughputBench } from './worker-throughput-bench.js';

/**
 * `npm run bench`: prints numbers, asserts nothing. Options: --only classify|patterns|throughput|webhook|backfill,
 * --seconds N (webhook run length, default 60), --tickets N (backlog size, default 10,000), --history N
 * (Resolved/Closed tickets of the backfill cost run, default 30,000).
 */
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = arg('only');
const run = (name: string) => !only || only === name;

if (run('classify')) {
  const r = await runClassifyBench({ tickets: 100_000 });
  console.log(
    `classify: ${r.ticketsPerSecond.toLocaleString('en-US')} tickets/s on one core over ${r.tickets.toLocaleString('en-US')} tickets (target >= 20,000), ${r.ticketsPerCpuSecond.toLocaleString('en-US')} per CPU second; peak RSS ${r.peakRssMb} MB, heap used ${r.heapUsedMb} MB`,
  );
}
if (run('patterns')) {
  const r = runPatternCompileBench({ reloads: 20 });
  const t = (x: { coldMs: number; reloadMedianMs: number; reloadMaxMs: number }): string =>
    `cold ${x.coldMs} ms, then median ${x.reloadMedianMs} ms / max ${x.reloadMaxMs} ms over 20`;
  console.log(
    `pattern compile (RE2), ${r.patterns} patterns (shipped + 12 adversarial; target < 100 ms): patterns alone, uncached ${t(r.patternsOnly)}; whole compilePolicy (patterns cached after the first) ${t(r.compilePolicy)}`,
  );
}
if (run('throughput')) {
  const r = await runWorkerThroughputBench({ tickets: Number(arg('tickets') ?? 10_000) });
  console.log(
    `worker throughput: ${r.ticketsPerSecond} tickets/s for a backlog of ${r.tickets.toLocaleString('en-US')} (${r.seconds} s, simulator latency 0, target >= 200/s); ${r.heatCallsPerTicket} HEAT calls per ticket; peak RSS ${r.peakRssMb} MB (simulator in the same process)`,
  );
  const l = r.live;
  console.log(
    `live flow HEAT calls per ticket (${l.tickets} new tickets over 5 poll ticks, simulator call log, poll pages shared): in scope ${l.inScope.perTicket} (${l.inScope.tickets} tickets, target <= 1.02), moved ${l.moved.perTicket} (${l.moved.tickets}, target <= 2.02), echo ${l.echo.perTicket} (${l.echo.tickets} rows seen, target 0)`,
  );
}
if (run('webhook')) {
  const r = await runWebhookLatencyBench({ ratePerSecond: 20, seconds: Number(arg('seconds') ?? 60) });
  console.log(
    `webhook-to-write latency at ${r.ratePerSecond} tickets/s for ${r.seconds} s (${r.tickets} tickets): p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms (target p99 < 250 ms); missed ${r.missed}`,
  );
}
if (run('backfill')) {
  const r = await runBackfillCostBench({ history: Number(arg('history') ?? 30_000) });
  const line = (x: typeof r.countsOnly): string => {
    const routes = Object.entries(x.byRoute)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, n]) => `${route} ${n}`)
      .join(', ');
    return `${x.calls.toLocaleString('en-US')} calls = ${x.perTicket.toFixed(4)} per ticket (${routes})${x.exitCode === 0 ? '' : `, exit ${x.exitCode}`}`;
  };
  console.log(
    `backfill cost (simulator call log), ${r.tickets.toLocaleString('en-US')} Resolved/Closed tickets: --counts-only ${line(r.countsOnly)} (target <= 0.012); then --tag-history ${line(r.tagHistory)} (target <= 1.02)`,
  );
}
process.exit(0);
