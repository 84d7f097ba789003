import { createSimulator, type SimulatorOptions } from 'heat-simulator';

/**
 * The HEAT simulator in a process of its own (forked by sim-process.ts), so that a benchmark measures
 * the worker's memory and CPU alone. Options come as JSON in argv[2]; it answers over the IPC channel.
 */
export interface SimSummary {
  tickets: number;
  /** Tickets that carry the decision fingerprint (tagged by the router). */
  tagged: number;
  /** Notes on all incidents, and the most on one incident. */
  notes: number;
  maxNotesPerTicket: number;
  stats: ReturnType<ReturnType<typeof createSimulator>['stats']>;
}

export type SimRequest =
  | { id: number; op: 'summary'; field: string }
  | { id: number; op: 'resetStats' }
  | { id: number; op: 'cpu' }
  | { id: number; op: 'incidents' }
  | { id: number; op: 'close' };

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
const sim = createSimulator(options);
const url = await sim.listen(0, '127.0.0.1');

function summary(field: string): SimSummary {
  const incidents = sim.list('incidents');
  const perTicket = new Map<string, number>();
  let notes = 0;
  for (const note of sim.list('journal__notess')) {
    const parent = String(note.ParentLink_RecID ?? '').toUpperCase();
    perTicket.set(parent, (perTicket.get(parent) ?? 0) + 1);
    notes += 1;
  }
  return {
    tickets: incidents.length,
    tagged: incidents.filter((t) => t[field]).length,
    notes,
    maxNotesPerTicket: Math.max(0, ...perTicket.values()),
    stats: sim.stats(),
  };
}

process.on('message', (raw: SimRequest) => {
  const reply = (result: unknown) => process.send?.({ id: raw.id, result });
  if (raw.op === 'summary') reply(summary(raw.field));
  else if (raw.op === 'resetStats') reply(sim.resetStats());
  else if (raw.op === 'incidents')
    reply(
      sim
        .list('incidents')
        .map((t) => ({ recId: String(t.RecId), lastModDateTime: String(t.LastModDateTime) })),
    );
  else if (raw.op === 'cpu') {
    const r = process.resourceUsage();
    reply({
      cpuMs: Math.round((r.userCPUTime + r.systemCPUTime) / 1000),
      maxRssMb: Math.round(r.maxRSS / 1024),
    });
  } else if (raw.op === 'close') {
    void sim.close().then(() => {
      reply(null);
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: { url, apiKey: sim.apiKey } });
