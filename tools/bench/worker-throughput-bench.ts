import { startBenchPipeline, type BenchPipeline } from './start-bench-pipeline.js';

export interface WorkerThroughputResult {
  name: string;
  tickets: number;
  seconds: number;
  ticketsPerSecond: number;
  heatCallsPerTicket: number;
  peakRssMb: number;
  /** Live flow after the backlog (tickets arriving between poll ticks), from the simulator's call log. */
  live: LiveFlowCalls;
}

/** HEAT calls per ticket by kind: calls naming the ticket, plus its share of the poll's pages. */
export interface LiveFlowCalls {
  tickets: number;
  inScope: { tickets: number; perTicket: number };
  moved: { tickets: number; perTicket: number };
  echo: { tickets: number; perTicket: number };
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
  const p = await startBenchPipeline({ seed: 7, tickets, faults: { latencyMs: 0 }, callLog: true }, (s) => ({
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
      live: await measureLiveFlow(p, 5, 200),
    };
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
