import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/index.js';
import { createRedisConnection, createTicketQueue } from '../../src/queue/index.js';
import { projectConfigDir } from '../devtools/index.js';
import { startBenchPipeline, startProcessPipeline, type BenchPipeline } from './start-bench-pipeline.js';

export interface WorkerThroughputResult {
  name: string;
  tickets: number;
  replicas: number;
  concurrency: number;
  latencyMs: number;
  seconds: number;
  ticketsPerSecond: number;
  heatCallsPerTicket: number;
  /** Peak RSS of each worker replica (its own process; the simulator runs in another). */
  workerPeakRssMb: number[];
  /** Heap each replica holds after the drain and a full GC (growth here would be a leak). */
  workerHeapAfterGcMb: Array<number | null>;
  /** CPU time of all replicas per ticket (user + system). */
  workerCpuMsPerTicket: number;
  /** Most notes one ticket got (1 = no duplicate note). */
  maxNotesPerTicket: number;
  /** Time to put the backlog into the queue (replicas paused; not in `seconds`). */
  feedSeconds: number;
  /** A poll after the drain (up to echoPollUpTo tickets): what it saw and queued again, and how long. */
  echoPoll: { seen: number; enqueued: number; pages: number; seconds: number } | null;
  /** CPU time of the simulator and of redis-server per ticket (what shares the machine's cores). */
  simCpuMsPerTicket: number;
  redisCpuMsPerTicket: number;
  /** redis-server's peak memory over the run (the whole backlog queued at once). */
  redisPeakMb: number;
  /** Redis commands per ticket (INFO commandstats, all clients; a script counts once plus its calls). */
  redisCommandsPerTicket: number;
  /** The most frequent commands, per ticket. */
  redisTopCommands: Array<{ command: string; perTicket: number }>;
}

/** redis-server's peak memory (INFO memory used_memory_peak), in MB. */
async function redisPeakMb(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('memory');
    return Math.round(Number(/^used_memory_peak:(\d+)/m.exec(info)?.[1] ?? 0) / 1024 / 1024);
  } finally {
    redis.disconnect();
  }
}

/** redis-server's own CPU time so far (INFO cpu), in ms. */
async function redisCpuMs(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1000);
  } finally {
    redis.disconnect();
  }
}

/** Calls per command since the last CONFIG RESETSTAT. */
async function commandStats(url: string, reset = false): Promise<Map<string, number>> {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    if (reset) {
      await redis.config('RESETSTAT');
      return new Map();
    }
    const info = await redis.info('commandstats');
    const out = new Map<string, number>();
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
    return out;
  } finally {
    redis.disconnect();
  }
}

export interface WorkerThroughputOptions {
  tickets?: number;
  concurrency?: number;
  replicas?: number;
  latencyMs?: number;
  /** Write a V8 CPU profile of the first replica into this folder (node --cpu-prof). */
  cpuProfDir?: string;
  log?: 'silent' | 'info';
  /** Run the echo poll after the drain up to this backlog (default 20,000). */
  echoPollUpTo?: number;
}

/**
 * Sustained throughput of the whole worker against the simulator over HTTP. The simulator and each
 * worker replica run in processes of their own, so the worker's memory is measured alone. The backlog
 * is queued with the replicas paused; the clock runs from their resume until the queue is empty, and
 * the simulator must then show every ticket tagged. The replicas read, classify, PATCH, note and count
 * every ticket.
 */
export async function runWorkerThroughputBench(
  options: WorkerThroughputOptions = {},
): Promise<WorkerThroughputResult> {
  const tickets = options.tickets ?? 10_000;
  const concurrency = options.concurrency ?? 32;
  const replicas = options.replicas ?? 1;
  const latencyMs = options.latencyMs ?? 0;
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  const p = await startProcessPipeline({
    sim: { seed: 7, tickets, faults: { latencyMs } },
    replicas,
    worker: {
      concurrency,
      heatConcurrency: concurrency,
      poll: false,
      paused: true,
      log: options.log ?? 'silent',
    },
    ...(options.cpuProfDir
      ? { firstWorkerExecArgv: ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] }
      : {}),
  });
  try {
    const [first] = p.workers;
    // The backlog goes straight into the queue (as a poll or a backfill would put it) while the
    // replicas are paused: the simulator filters and sorts its whole tenant for every page, so a poll
    // of 100,000 tickets would measure the simulator, not the worker.
    const feedStart = process.hrtime.bigint();
    const incidents = await p.sim.call<Array<{ recId: string; lastModDateTime: string }>>('incidents');
    const producer = createRedisConnection(p.redis.url, 'command');
    const queue = createTicketQueue({
      connection: producer,
      prefix: p.prefix,
      attempts: 10,
      backoffMs: 5000,
    });
    for (let i = 0; i < incidents.length; i += 1000)
      await queue.enqueueMany(incidents.slice(i, i + 1000).map((t) => ({ ...t, source: 'poll' as const })));
    await queue.close();
    producer.disconnect();
    const feedSeconds = Number(process.hrtime.bigint() - feedStart) / 1e9;
    const before = await p.usage();
    await p.sim.call('resetStats');
    await commandStats(p.redis.url, true);
    const simBefore = await p.sim.call<{ cpuMs: number }>('cpu');
    const redisBefore = await redisCpuMs(p.redis.url);
    const start = process.hrtime.bigint();
    await Promise.all(p.workers.map((w) => w.call('resume')));
    const drained = await first!.call<boolean>('waitForIdle', { timeoutMs: 1_800_000 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const after = await p.usage();
    const cmds = await commandStats(p.redis.url);
    const simAfter = await p.sim.call<{ cpuMs: number }>('cpu');
    const redisAfter = await redisCpuMs(p.redis.url);
    const perTicket = (ms: number) => Math.round((ms / tickets) * 100) / 100;
    const s = await p.summary();
    if (!drained || s.tagged !== tickets)
      throw new Error(`only ${s.tagged} of ${tickets} tickets were tagged`);
    const cpuMs = after.reduce(
      (sum, u, i) => sum + u.cpuUserMs + u.cpuSystemMs - before[i]!.cpuUserMs - before[i]!.cpuSystemMs,
      0,
    );
    // The echo poll: every ticket seen once, none queued again (our own writes), on a tenant this size.
    let echoPoll: WorkerThroughputResult['echoPoll'] = null;
    if (tickets <= (options.echoPollUpTo ?? 20_000)) {
      const pollStart = process.hrtime.bigint();
      const r = await first!.call<{ enqueued: number; seen: number; pages: number }>('pollNow');
      echoPoll = { ...r, seconds: Math.round((Number(process.hrtime.bigint() - pollStart) / 1e9) * 10) / 10 };
    }
    return {
      name: 'worker-throughput',
      tickets,
      replicas,
      concurrency,
      latencyMs,
      seconds: Math.round(seconds * 10) / 10,
      ticketsPerSecond: Math.round(tickets / seconds),
      heatCallsPerTicket: Math.round((s.stats.total / tickets) * 100) / 100,
      workerPeakRssMb: after.map((u) => u.maxRssMb),
      workerHeapAfterGcMb: after.map((u) => u.heapAfterGcMb),
      workerCpuMsPerTicket: Math.round((cpuMs / tickets) * 100) / 100,
      maxNotesPerTicket: s.maxNotesPerTicket,
      feedSeconds: Math.round(feedSeconds * 10) / 10,
      echoPoll,
      simCpuMsPerTicket: perTicket(simAfter.cpuMs - simBefore.cpuMs),
      redisCpuMsPerTicket: perTicket(redisAfter - redisBefore),
      redisPeakMb: await redisPeakMb(p.redis.url),
      redisCommandsPerTicket:
        Math.round(([...cmds.values()].reduce((a, b) => a + b, 0) / tickets) * 100) / 100,
      redisTopCommands: [...cmds.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([command, calls]) => ({ command, perTicket: Math.round((calls / tickets) * 100) / 100 })),
    };
  } finally {
    await p.stop();
  }
}

/** The most tickets a day's HEAT budget allows per second at `callsPerTicket`. */
export function budgetTicketsPerSecond(callsPerTicket: number): number {
  const { dailyCallBudget } = loadConfig({ dir: projectConfigDir(), env: {} }).service.heat;
  return dailyCallBudget / 86_400 / callsPerTicket;
}

export interface LatencyScalingRow {
  concurrency: number;
  ticketsPerSecond: number;
  tickets: number;
  seconds: number;
}

/**
 * With HEAT answering in `latencyMs`, throughput is bound by calls in flight: one run per concurrency
 * level (worker.concurrency = heat.maxConcurrency = level), each with a backlog of 15 tickets per slot.
 */
export async function runLatencyScalingBench(
  options: { latencyMs?: number; concurrencies?: number[] } = {},
): Promise<{ latencyMs: number; rows: LatencyScalingRow[]; heatCallsPerTicket: number }> {
  const latencyMs = options.latencyMs ?? 200;
  const rows: LatencyScalingRow[] = [];
  let calls = 0;
  for (const concurrency of options.concurrencies ?? [4, 8, 16, 32]) {
    const r = await runWorkerThroughputBench({ tickets: concurrency * 15, concurrency, latencyMs });
    rows.push({ concurrency, ticketsPerSecond: r.ticketsPerSecond, tickets: r.tickets, seconds: r.seconds });
    calls = r.heatCallsPerTicket;
  }
  return { latencyMs, rows, heatCallsPerTicket: calls };
}

/** HEAT calls per ticket by kind: calls naming the ticket, plus its share of the poll's pages. */
export interface LiveFlowCalls {
  tickets: number;
  inScope: { tickets: number; perTicket: number };
  moved: { tickets: number; perTicket: number };
  echo: { tickets: number; perTicket: number };
}

/**
 * Live-flow HEAT calls per ticket (in scope, moved, echo) from the simulator's call log: the
 * simulator in this process (the log is read directly), a small tenant, the service polling.
 */
export async function runLiveFlowBench(options: { concurrency?: number } = {}): Promise<LiveFlowCalls> {
  const concurrency = options.concurrency ?? 32;
  const p = await startBenchPipeline(
    { seed: 7, tickets: 0, faults: { latencyMs: 0 }, callLog: true },
    (s) => ({
      ...s,
      heat: { ...s.heat, maxConcurrency: concurrency },
      worker: { ...s.worker, concurrency },
      poll: { ...s.poll, startFrom: '2000-01-01T00:00:00Z' },
    }),
  );
  try {
    await p.service.pollNow();
    await p.service.waitForIdle(600_000);
    return await measureLiveFlow(p, 5, 200);
  } finally {
    await p.stop();
  }
}

/**
 * `rounds` poll ticks, each after `perRound` new self-service tickets, then one echo poll. A ticket's
 * calls are those the simulator logged with its RecId (read, PATCH, note); each polled row adds its share
 * of the tick's pages. "moved": got a note; "in scope": tagged in_scope, no note.
 */
async function measureLiveFlow(p: BenchPipeline, rounds: number, perRound: number): Promise<LiveFlowCalls> {
  const f = p.config.routing.fields;
  const technicians = p.config.routing.teams.technicians;
  p.sim.resetStats();
  const ids: string[] = [];
  let seen = 0;
  for (let round = 0; round < rounds; round += 1) {
    const fresh = p.sim.createTickets(perRound).map((t) => String(t.RecId));
    // A quarter are logged straight to the technicians (as a technician would): in-scope ones stay there.
    for (const id of fresh.slice(0, perRound / 4))
      p.sim.actAsPerson(id, 'mlopez', { OwnerTeam: technicians });
    ids.push(...fresh);
    seen += (await p.service.pollNow()).seen;
    await p.service.waitForIdle(600_000);
  }
  const flow = p.sim.calls();
  const echoPoll = await p.service.pollNow();
  await p.service.waitForIdle(600_000);
  const echo = p.sim.calls().slice(flow.length);
  const pages = (calls: typeof flow) => calls.filter((c) => c.route === 'GET incidents collection').length;
  const perTicket = (calls: typeof flow, group: string[], pageShare: number) => {
    const set = new Set(group);
    const own = calls.filter((c) => c.recId !== null && set.has(c.recId.toUpperCase())).length;
    return group.length === 0 ? 0 : Math.round((own / group.length + pageShare) * 1000) / 1000;
  };
  const moved = ids.filter((id) => p.sim.notesFor(id).length > 0);
  const inScope = ids.filter(
    (id) => !moved.includes(id) && p.sim.get('incidents', id)?.[f.scope] === 'in_scope',
  );
  const share = seen > 0 ? pages(flow) / seen : 0;
  const echoShare = echoPoll.seen > 0 ? pages(echo) / echoPoll.seen : 0;
  return {
    tickets: ids.length,
    inScope: { tickets: inScope.length, perTicket: perTicket(flow, inScope, share) },
    moved: { tickets: moved.length, perTicket: perTicket(flow, moved, share) },
    echo: { tickets: echoPoll.seen, perTicket: perTicket(echo, ids, echoShare) },
  };
}
