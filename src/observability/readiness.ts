import { withTimeout } from './with-timeout.js';
/** What the worker's queue looks like right now (read from BullMQ by the composition root). */
export interface QueueProgress {
  waiting: number;
  active: number;
  /** Age of the oldest waiting job; null when none waits or it is unknown. */
  oldestWaitingAgeMs: number | null;
  /** When this process last finished a job (completed or failed); null when it has not yet. */
  lastJobFinishedAt: Date | null;
  /** false once the worker is closed or paused: connected is not the same as taking jobs. */
  workerRunning: boolean;
}

export interface ReadinessCheckResult {
  ok: boolean;
  /** Why, in words an operator can act on; never a credential or ticket text. */
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  checkedAt: string;
  checks: {
    redis: ReadinessCheckResult;
    heat: ReadinessCheckResult;
    jobs: ReadinessCheckResult;
    /** Present when this process polls. */
    poll?: ReadinessCheckResult;
    /** The shared HEAT call budget: informational, never makes the service unready (live work goes on). */
    budget?: ReadinessCheckResult;
  };
}

/** The shared HEAT budget as readiness shows it (heat/'s BudgetState has these fields). */
export interface ReadinessBudget {
  day: string;
  used: number;
  budget: number;
  ratio: number;
  level: 'normal' | 'slow' | 'paused';
  backoffUntil: string | null;
  resetsAt: string;
}

export interface ReadinessDeps {
  pingRedis(): Promise<boolean>;
  /** When HEAT last answered a call successfully (any call), null when it has not yet. */
  heatLastSuccessAt(): Date | null;
  /** A 401/403 from HEAT not followed by a success: not ready at once, whatever the grace period. */
  heatAuthRefused?: () => { at: Date; status: number } | null;
  /**
   * A cheap HEAT call made when this process has not talked to HEAT for a while (an idle replica
   * that does not poll): readiness then says whether HEAT answers now, not whether it was needed.
   */
  probeHeat?: () => Promise<boolean>;
  queueProgress(): Promise<QueueProgress>;
  /** HEAT silent for longer than this = not ready (service.yaml http.heatStaleMinutes). */
  staleHeatMs: number;
  /** Jobs waiting longer than this while nothing finished for as long = stuck. */
  stuckAfterMs: number;
  /** A probe that does not answer within this long counts as failed (default 2000). */
  probeTimeoutMs?: number;
  /**
   * When this process last finished a poll tick; omit when it does not poll. A poller whose ticks keep
   * failing is not ready even while other HEAT calls succeed.
   */
  pollLastSuccessAt?: () => Promise<Date | null> | Date | null;
  /** No successful poll for this long = not ready (e.g. a few poll intervals). */
  pollStaleMs?: number;
  /** The shared HEAT call budget (a detail only: a used-up budget pauses backfill, not the service). */
  heatBudget?: () => Promise<ReadinessBudget>;
  now?: () => Date;
}

/** "HEAT calls today 41,000 of 50,000 (82%, UTC day 2026-11-03): backfill slowed (high-water mark 80%)" */
export function budgetDetail(b: ReadinessBudget): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const what =
    b.level === 'paused'
      ? `budget used up: backfill paused until ${b.resetsAt}, live tickets go on`
      : b.level === 'slow'
        ? 'backfill slowed (high-water mark 80%)'
        : 'normal';
  const backoff = b.backoffUntil ? `; HEAT asked us to back off until ${b.backoffUntil}` : '';
  return `HEAT calls today ${n(b.used)} of ${n(b.budget)} (${Math.round(b.ratio * 1000) / 10}%, UTC day ${b.day}): ${what}${backoff}`;
}

/**
 * /readyz: ready = Redis answers a ping AND HEAT answered recently AND jobs are progressing.
 *
 * HEAT "has not been needed yet": before the first HEAT call the check passes for `staleHeatMs` after
 * this check was created (process start), because the first poll may not have run; after that grace
 * period a HEAT that never answered is not ready (wrong URL or credentials show up as not ready).
 *
 * Jobs: not ready when the worker is not running, or when jobs wait longer than `stuckAfterMs` and no
 * job finished within `stuckAfterMs` (a worker that is connected but has stopped taking jobs). A fresh
 * job arriving after a long idle spell is not "stuck": both conditions must hold.
 */
export function createReadinessCheck(deps: ReadinessDeps): () => Promise<ReadinessReport> {
  const now = deps.now ?? (() => new Date());
  const probeTimeoutMs = deps.probeTimeoutMs ?? 2_000;
  const startedAt = now().getTime();

  async function checkRedis(): Promise<ReadinessCheckResult> {
    try {
      const ok = await withTimeout(deps.pingRedis(), probeTimeoutMs, 'Redis ping');
      return ok
        ? { ok: true, detail: 'Redis answered PING' }
        : { ok: false, detail: 'Redis did not answer PING: check REDIS_URL and that Redis is up' };
    } catch (error) {
      return {
        ok: false,
        detail: `Redis unreachable (${messageOf(error)}): check REDIS_URL and that Redis is up`,
      };
    }
  }

  function judgeHeat(at: number): ReadinessCheckResult {
    const refused = deps.heatAuthRefused?.() ?? null;
    if (refused !== null) {
      return {
        ok: false,
        detail: `HEAT refused our credentials (${refused.status}) at ${refused.at.toISOString()}: check HEAT_API_KEY (or the session login) and the role of the service account`,
      };
    }
    const last = deps.heatLastSuccessAt();
    const staleMinutes = round1(deps.staleHeatMs / 60_000);
    if (last === null) {
      if (at - startedAt <= deps.staleHeatMs)
        return { ok: true, detail: 'HEAT not called yet (within the start-up grace period)' };
      return {
        ok: false,
        detail: `HEAT has not answered since start (${staleMinutes} min): check HEAT_BASE_URL and the HEAT credentials`,
      };
    }
    const ageMs = at - last.getTime();
    if (ageMs <= deps.staleHeatMs) return { ok: true, detail: `HEAT answered ${round1(ageMs / 1000)} s ago` };
    return {
      ok: false,
      detail: `HEAT last answered ${round1(ageMs / 60_000)} min ago (limit ${staleMinutes} min): check HEAT_BASE_URL, credentials and the tenant's status`,
    };
  }

  async function checkHeat(at: number): Promise<ReadinessCheckResult> {
    const judged = judgeHeat(at);
    if (judged.ok || !deps.probeHeat) return judged;
    try {
      if (await withTimeout(deps.probeHeat(), probeTimeoutMs * 5, 'HEAT probe')) {
        return { ok: true, detail: 'HEAT answered a readiness probe just now' };
      }
    } catch {
      // fall through: the probe failing is what the judged result already says
    }
    return judged;
  }

  async function checkJobs(at: number): Promise<ReadinessCheckResult> {
    let progress: QueueProgress;
    try {
      progress = await withTimeout(deps.queueProgress(), probeTimeoutMs, 'queue progress');
    } catch (error) {
      return { ok: false, detail: `could not read the queue (${messageOf(error)})` };
    }
    if (!progress.workerRunning) return { ok: false, detail: 'the worker is not running (closed or paused)' };
    if (progress.waiting === 0) return { ok: true, detail: `no jobs waiting, ${progress.active} active` };
    const stuckSeconds = round1(deps.stuckAfterMs / 1000);
    const lastFinishedAgeMs =
      progress.lastJobFinishedAt === null ? null : at - progress.lastJobFinishedAt.getTime();
    const finishedRecently = lastFinishedAgeMs !== null && lastFinishedAgeMs <= deps.stuckAfterMs;
    // Unknown age: only the "nothing finished lately" half can be judged, and only if something ever finished.
    const waitedLong =
      progress.oldestWaitingAgeMs === null
        ? lastFinishedAgeMs !== null
        : progress.oldestWaitingAgeMs > deps.stuckAfterMs;
    if (waitedLong && !finishedRecently) {
      const since =
        lastFinishedAgeMs === null
          ? 'no job finished since start'
          : `last job finished ${round1(lastFinishedAgeMs / 1000)} s ago`;
      return {
        ok: false,
        detail: `jobs are not progressing: ${progress.waiting} waiting (oldest ${formatAge(progress.oldestWaitingAgeMs)}), ${since} (limit ${stuckSeconds} s)`,
      };
    }
    return { ok: true, detail: `${progress.waiting} waiting, ${progress.active} active, jobs progressing` };
  }

  async function checkPoll(at: number): Promise<ReadinessCheckResult | undefined> {
    if (!deps.pollLastSuccessAt) return undefined;
    const staleMs = deps.pollStaleMs ?? deps.staleHeatMs;
    let last: Date | null;
    try {
      last = await withTimeout(Promise.resolve(deps.pollLastSuccessAt()), probeTimeoutMs, 'poll status');
    } catch (error) {
      return { ok: false, detail: `could not read the poll status (${messageOf(error)})` };
    }
    if (last === null) {
      return at - startedAt <= staleMs
        ? { ok: true, detail: 'no poll finished yet (starting up)' }
        : {
            ok: false,
            detail: `no poll has finished since start (limit ${round1(staleMs / 1000)} s): see poll_failed in the log`,
          };
    }
    const age = at - last.getTime();
    return age <= staleMs
      ? { ok: true, detail: `last poll finished ${round1(age / 1000)} s ago` }
      : {
          ok: false,
          detail: `last poll finished ${round1(age / 1000)} s ago (limit ${round1(staleMs / 1000)} s): see poll_failed in the log`,
        };
  }

  async function checkBudget(): Promise<ReadinessCheckResult | undefined> {
    if (!deps.heatBudget) return undefined;
    try {
      return {
        ok: true,
        detail: budgetDetail(await withTimeout(deps.heatBudget(), probeTimeoutMs, 'budget')),
      };
    } catch (error) {
      return { ok: true, detail: `could not read the shared HEAT budget (${messageOf(error)})` };
    }
  }

  return async function readiness(): Promise<ReadinessReport> {
    const at = now().getTime();
    const [redis, jobs, heat, poll, budget] = await Promise.all([
      checkRedis(),
      checkJobs(at),
      checkHeat(at),
      checkPoll(at),
      checkBudget(),
    ]);
    return {
      ready: redis.ok && heat.ok && jobs.ok && (poll?.ok ?? true),
      checkedAt: new Date(at).toISOString(),
      checks: { redis, heat, jobs, ...(poll ? { poll } : {}), ...(budget ? { budget } : {}) },
    };
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function formatAge(ms: number | null): string {
  return ms === null ? 'age unknown' : `${round1(ms / 1000)} s`;
}
