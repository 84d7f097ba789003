import { createRng } from 'heat-simulator';

/**
 * When the fault suite strikes, drawn from one seed (FAULTS_SEED), so that a run can be repeated
 * with the same kill times. Times are milliseconds from the start of the backfill.
 */
export interface FaultPlan {
  seed: number;
  /**
   * Kill i strikes workerKillDelaysMs[i] after the worker (started again after kill i-1) has finished
   * workerKillAfterJobs[i] jobs: always mid-run, with jobs in flight, however fast the machine is.
   */
  workerKillAfterJobs: number[];
  workerKillDelaysMs: number[];
  /** Redis is killed at these instants... */
  redisKillsAtMs: number[];
  /** ...and started again on the same data this long after each kill. */
  redisDownMs: number[];
  /** HEAT goes silent (the simulator's process is stopped) at this instant, for silenceMs. */
  silenceAtMs: number;
  silenceMs: number;
  /** Share of HEAT API calls answered 500 ISM_5000 for the whole run. */
  errorRate: number;
}

export const WORKER_KILLS = 16;

export function planFaults(seed: number): FaultPlan {
  const rng = createRng(seed);
  return {
    seed,
    workerKillAfterJobs: Array.from({ length: WORKER_KILLS }, () => rng.between(2, 15)),
    workerKillDelaysMs: Array.from({ length: WORKER_KILLS }, () => rng.between(0, 400)),
    redisKillsAtMs: [rng.between(8_000, 14_000), rng.between(32_000, 40_000)],
    redisDownMs: [rng.between(300, 1_500), rng.between(300, 1_500)],
    silenceAtMs: rng.between(17_000, 21_000),
    silenceMs: 10_000,
    errorRate: 0.05,
  };
}

/** The last instant a time-planned fault (Redis kill, HEAT silence) ends (ms). */
export function timedFaultsEndMs(plan: FaultPlan): number {
  const lastRedis = plan.redisKillsAtMs.length - 1;
  return Math.max(
    plan.silenceAtMs + plan.silenceMs,
    plan.redisKillsAtMs[lastRedis]! + plan.redisDownMs[lastRedis]!,
  );
}

export interface FaultReport {
  seed: number;
  tickets: number;
  workerKills: number;
  /** ms from each worker restart to its first processed job; null: killed before it had one. */
  workerRecoveryMs: Array<number | null>;
  redisRestarts: number;
  /** ms from each Redis restart (ready) to the next processed job of any process. */
  redisRecoveryMs: Array<number | null>;
  silenceMs: number;
  heat500s: number;
  heatCalls: number;
  /** Each run of the backfill command and how it ended. */
  backfillAttempts: Array<{ outcome: string; seconds: number }>;
  durationSeconds: number;
}

const ms = (v: number | null) => (v === null ? 'none' : `${Math.round(v)}`);

function spread(values: Array<number | null>): string {
  const seen = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (seen.length === 0) return 'none';
  const median = seen[Math.floor(seen.length / 2)]!;
  return `median ${Math.round(median)} ms, max ${Math.round(seen[seen.length - 1]!)} ms`;
}

export function formatFaultReport(r: FaultReport): string {
  return [
    `fault suite (seed ${r.seed}): backfill of ${r.tickets} tickets`,
    `  worker SIGKILLs: ${r.workerKills}; recovery (restart -> first job) ${spread(r.workerRecoveryMs)}: [${r.workerRecoveryMs.map(ms).join(', ')}]`,
    `  Redis SIGKILLs + restarts on the same data: ${r.redisRestarts}; recovery (ready -> next job): [${r.redisRecoveryMs.map(ms).join(', ')}] ms`,
    `  HEAT silent: ${r.silenceMs / 1000} s; HEAT 500s served to the router: ${r.heat500s} of ${r.heatCalls} HEAT calls`,
    `  backfill runs: ${r.backfillAttempts.map((a) => `${a.outcome} after ${a.seconds.toFixed(1)} s`).join('; ')}`,
    `  duration: ${r.durationSeconds.toFixed(1)} s`,
  ].join('\n');
}
