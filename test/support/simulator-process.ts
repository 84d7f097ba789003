import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { SimulatorFaults, SimulatorStats } from 'heat-simulator';
import type { HeatRecord } from '../../src/domain/index.js';
import { startNode, type RunResult, type StartOptions } from './cli-process.js';

/** The simulator's CLI as `npm run build:sim` builds it. */
export const SIMULATOR_CLI = resolve('packages/heat-simulator/dist/cli.js');

/** The HEAT simulator in a process of its own, driven over HTTP (its API and its /_sim/ controls). */
export interface SimulatorProcess {
  url: string;
  apiKey: string;
  child: ChildProcess;
  /** SIGSTOP: HEAT goes silent (connections are accepted by the kernel, nothing answers). */
  pause(): void;
  /** SIGCONT: HEAT answers again, the requests that waited first. */
  resume(): void;
  setFaults(faults: Partial<SimulatorFaults>): Promise<void>;
  stats(): Promise<SimulatorStats>;
  /** How many records of a set match an OData filter (one HEAT call, counted in stats). */
  count(set: string, filter: string): Promise<number>;
  /** Every record of an entity set, read page by page over HEAT's API (counted in stats). */
  listAll(set: string): Promise<HeatRecord[]>;
  stop(): Promise<RunResult>;
}

const REQUEST_TIMEOUT_MS = 15_000;

async function simFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

/**
 * Starts `heat-simulator --port 0` (a free port) and resolves once it prints its URL; bounded by
 * `timeoutMs`. `env` and `options.nodeArgs` reach the process (e.g. a pinned clock).
 */
export async function startSimulatorProcess(
  settings: { seed: number; tickets: number; latencyMs?: number; timeoutMs?: number },
  env: NodeJS.ProcessEnv = {},
  options: StartOptions = {},
): Promise<SimulatorProcess> {
  let announce: (url: string) => void = () => undefined;
  const announced = new Promise<string>((r) => (announce = r));
  const args = ['--port', '0', '--seed', String(settings.seed), '--tickets', String(settings.tickets)];
  if (settings.latencyMs !== undefined) args.push('--latency', String(settings.latencyMs));
  const { child, done } = startNode(SIMULATOR_CLI, args, env, {
    ...options,
    onLine: (line, stream) => {
      const match = /^HEAT simulator listening on (\S+)/.exec(line);
      if (match) announce(match[1]!);
      options.onLine?.(line, stream);
    },
  });
  const timeoutMs = settings.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const url = await Promise.race([
    announced,
    done.then((r) => {
      throw new Error(`heat-simulator exited (${String(r.code ?? r.signal)}) before listening: ${r.stderr}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`heat-simulator did not listen within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const apiKey = 'sim-api-key';
  const odata = `${url}/api/odata/businessobject`;
  return {
    url,
    apiKey,
    child,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async setFaults(faults) {
      const res = await simFetch(`${url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(faults),
      });
      if (!res.ok) throw new Error(`POST /_sim/faults answered ${res.status}: ${await res.text()}`);
    },
    async stats() {
      const res = await simFetch(`${url}/_sim/stats`);
      return (await res.json()) as SimulatorStats;
    },
    async count(set, filter) {
      const res = await simFetch(`${odata}/${set}?$top=1&$filter=${encodeURIComponent(filter)}`, {
        headers: { authorization: `rest_api_key=${apiKey}` },
      });
      if (!res.ok) throw new Error(`GET ${set} answered ${res.status}: ${await res.text()}`);
      const text = await res.text();
      // No match: 200 with an empty body (docs/simulator.md).
      return text ? (JSON.parse(text) as { '@odata.count': number })['@odata.count'] : 0;
    },
    async listAll(set) {
      const records: HeatRecord[] = [];
      for (let skip = 0; ; skip += 100) {
        const res = await simFetch(`${odata}/${set}?$top=100&$skip=${skip}`, {
          headers: { authorization: `rest_api_key=${apiKey}` },
        });
        if (!res.ok) throw new Error(`GET ${set} answered ${res.status}: ${await res.text()}`);
        const text = await res.text();
        // HEAT answers a page past the end with 200 and an empty body.
        const page = text ? ((JSON.parse(text) as { value: HeatRecord[] }).value ?? []) : [];
        records.push(...page);
        if (page.length < 100) return records;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        const result = await done;
        clearTimeout(timer);
        return result;
      }
      return done;
    },
  };
}
