import type { Redis } from 'ioredis';
import type { ServiceConfig } from '../config/index.js';
import { isCategoryId, SCOPE_IDS, type Decision, coerceError } from '../domain/index.js';
import { type HeatClient } from '../heat/index.js';
import {
  createDeadline,
  createThrottledErrorLog,
  type Deadline,
  type Logger,
} from '../observability/index.js';
import { createBounceRecorder, type BounceKind, type RecordBounce } from './bounce-counts.js';
import type { CountFieldNames } from './count-field-values.js';
import type { CountsContext, TicketTagFields } from './counts-context.js';
import { countsKeys } from './counts-keys.js';
import { createTicketCountMover } from './move-ticket-count.js';
import { periodExpiresAt } from './period-expires-at.js';
import { periodOf } from './period-of.js';
import { periodsToReconcile } from './periods-to-reconcile.js';
import { readPeriodCounts } from './read-period-counts.js';
import type { ReconcileRow } from './plan-reconcile.js';
import { recordRows, type RecordRowsResult } from './record-rows.js';
import { createReconciler, type ReconcileResult } from './reconcile-counts.js';
import { NO_SCHOOL, type SchoolCounts } from './school-counts.js';
import { schoolNameOf } from './school-name-of.js';
import type { TicketCountState } from './ticket-count-state.js';
import { scheduleNightlyReconcile, type NightlySchedule } from './schedule-nightly-reconcile.js';
import { createSchoolCountsWriter, type FlushOptions, type FlushResult } from './write-school-counts.js';
import { assertTimeZone } from './zoned-date-parts.js';

export interface RecordInput {
  recId: string;
  /** The incident's school (OrganizationUnitID); null or empty counts under "(no school)". */
  school: string | null;
  createdDateTime: string | null;
  decision: Pick<Decision, 'category' | 'scope'>;
}

/** A ticket's routing as processing left it (the bounce rate's counts). */
export interface RoutingInput {
  recId: string;
  school: string | null;
  createdDateTime: string | null;
  /** The ticket carries the router's routing (fields.routedTo is set). */
  routed: boolean;
  /** A person moved it away from there, recorded on the ticket (fields.override is set). */
  overridden: boolean;
}

export interface CountsService {
  /** Atomic per ticket; returns whether any counter changed. Called by the job handler after the decision is applied. */
  record(input: RecordInput): Promise<{ changed: boolean; period: string | null }>;
  /**
   * Counts rows a caller read from HEAT's pages (backfill's history) under the category and scope they
   * carry, as record() would count each: exact per ticket whoever else counts it; no HEAT call.
   */
  recordRows(rows: readonly ReconcileRow[]): Promise<RecordRowsResult>;
  /**
   * Counts a ticket as routed by us and/or overridden by a person, under its school and the period of
   * its CreatedDateTime, once per ticket (a second override, a retried job count nothing). An override
   * counts the ticket as routed too (only our routing can be overridden). Returns what was newly counted.
   */
  recordRouting(input: RoutingInput): Promise<{ routed: boolean; overridden: boolean }>;
  /** Per-school counts for a period (from Redis), sorted by school name. */
  snapshot(period: string): Promise<SchoolCounts[]>;
  /** Write every due dirty school now (used by tests, the demo and shutdown); `force` also writes the not yet due. */
  flush(options?: FlushOptions): Promise<FlushResult>;
  /** Recount from HEAT tags, correct Redis + school records, return differences. */
  reconcile(period: string): Promise<ReconcileResult>;
  /**
   * What the nightly job runs: the current period, and the previous one during a period's first
   * PREVIOUS_PERIOD_CATCH_UP_DAYS days (oldest first). Throws after trying all when one failed.
   */
  nightlyReconcile(): Promise<ReconcileResult[]>;
  /** The period `now` falls in (what school records show). */
  currentPeriod(): string;
  /**
   * Background debounced writer + nightly reconcile (BullMQ job scheduler on the "counts" queue).
   * Never waits for Redis or HEAT and never rejects because of them: see started().
   */
  start(): Promise<void>;
  /** Resolves once start() has registered the nightly scheduler (it retries while Redis is away). */
  started(): Promise<void>;
  /**
   * Stops the writer and closes the nightly queue within `deadline` (the service's shutdown budget;
   * 5 s of its own when none is given), then disconnects: pending work stays in Redis.
   */
  stop(deadline?: Deadline): Promise<void>;
}

export interface CountsServiceDeps {
  redis: Redis;
  heat: HeatClient;
  logger: Logger;
  config: Pick<ServiceConfig, 'counts' | 'heat' | 'queue'>;
  /** Incident tag fields (routing.yaml `fields.category` / `fields.scope`); SBT_Category / SBT_Scope by default. */
  fields?: Partial<TicketTagFields>;
  /** School-record field names; config.counts.fields by default. */
  countFields?: CountFieldNames;
  now?: () => Date;
  /** How often the background writer looks for due schools; default a quarter of the interval, 250 ms..5 s. */
  writerTickMs?: number;
  /** Run the nightly reconcile scheduler in start(); default true. */
  scheduleReconcile?: boolean;
  /** A school's write lease (renewed every third of it while its record is written); default 10 s. */
  writeLeaseMs?: number;
}

/** How long stop() waits for the queue and worker to close when the caller gives no deadline. */
const STOP_DEADLINE_MS = 5000;

function countsContextOf(deps: CountsServiceDeps): CountsContext {
  const counts = deps.config.counts;
  const now = deps.now ?? (() => new Date());
  const keys = countsKeys(deps.config.queue.prefix);
  return {
    redis: deps.redis,
    heat: deps.heat,
    logger: deps.logger.child({ module: 'counts' }),
    counts,
    heatConfig: deps.config.heat,
    keys,
    fields: deps.countFields ?? counts.fields,
    tags: { category: deps.fields?.category ?? 'SBT_Category', scope: deps.fields?.scope ?? 'SBT_Scope' },
    now,
    currentPeriod: () => periodOf(now().toISOString(), counts),
    moveTicketCount: createTicketCountMover(deps.redis, keys, (period) => periodExpiresAt(period, counts)),
    ...(deps.writeLeaseMs === undefined ? {} : { writeLeaseMs: deps.writeLeaseMs }),
  };
}

/** CountsService.recordRouting: the bounce counts of one ticket (idempotent per ticket and period). */
async function recordRouting(
  ctx: CountsContext,
  recordBounce: RecordBounce,
  input: RoutingInput,
): Promise<{ routed: boolean; overridden: boolean }> {
  const none = { routed: false, overridden: false };
  const kinds: BounceKind[] = [];
  if (input.routed || input.overridden) kinds.push('routed');
  if (input.overridden) kinds.push('override');
  if (kinds.length === 0) return none;
  if (!input.createdDateTime || input.createdDateTime.startsWith('0001-01-01')) return none;
  const period = periodOf(input.createdDateTime, ctx.counts);
  // As record(): a period past the retention is not recreated for one ticket.
  if (periodExpiresAt(period, ctx.counts) * 1000 <= ctx.now().getTime()) return none;
  const added = await recordBounce(period, schoolNameOf(input.school), input.recId, kinds);
  return { routed: added.includes('routed'), overridden: added.includes('override') };
}

/** CountsService.record: moves one ticket's count to its current school, category and scope. */
async function recordTicket(
  ctx: CountsContext,
  input: RecordInput,
): Promise<{ changed: boolean; period: string | null }> {
  const { counts, logger, now } = ctx;
  const { category, scope } = input.decision;
  if (!isCategoryId(category) || !(SCOPE_IDS as readonly string[]).includes(scope)) {
    throw new TypeError(
      `cannot count ticket ${input.recId}: category ${category} / scope ${scope} are not policy ids`,
    );
  }
  // HEAT renders an unset date as 0001-01-01T00:00:00Z (docs/heat-api.md §14.8).
  if (!input.createdDateTime || input.createdDateTime.startsWith('0001-01-01')) {
    logger.warn('ticket has no CreatedDateTime; not counted', { ticketId: input.recId });
    return { changed: false, period: null };
  }
  const period = periodOf(input.createdDateTime, counts);
  // Its period's keys have expired (docs/counts.md, Redis memory): counting it would recreate a
  // counter that holds this one ticket.
  if (periodExpiresAt(period, counts) * 1000 <= now().getTime()) {
    logger.debug('ticket is older than the counts retention; not counted', {
      ticketId: input.recId,
      period,
    });
    return { changed: false, period };
  }
  const state: TicketCountState = { period, school: schoolNameOf(input.school), category, scope };
  const current = ctx.currentPeriod();
  const changed = await ctx.moveTicketCount(input.recId, state, {
    dueMs: now().getTime() + counts.debounceSeconds * 1000,
    // School records show the current period only; the "(no school)" bucket is never written.
    marksDirty: (s) => s.period === current && s.school !== NO_SCHOOL,
  });
  return { changed, period };
}

/** CountsService.nightlyReconcile: every period due, oldest first; throws after trying all when one failed. */
async function reconcileDuePeriods(
  ctx: CountsContext,
  reconcile: (period: string) => Promise<ReconcileResult>,
): Promise<ReconcileResult[]> {
  const results: ReconcileResult[] = [];
  const failures: string[] = [];
  for (const period of periodsToReconcile(ctx.now().toISOString(), ctx.counts)) {
    try {
      results.push(await reconcile(period));
    } catch (err) {
      failures.push(`${period}: ${coerceError(err).message}`);
    }
  }
  // The job's retries run every period again; reconcile is idempotent.
  if (failures.length > 0) throw new Error(`nightly reconcile failed for ${failures.join('; ')}`);
  return results;
}

export function createCountsService(deps: CountsServiceDeps): CountsService {
  const counts = deps.config.counts;
  assertTimeZone(counts.timeZone);
  const ctx = countsContextOf(deps);
  const { keys, logger, currentPeriod } = ctx;
  const onError = createThrottledErrorLog(logger);
  const writer = createSchoolCountsWriter(ctx);
  const reconcile = createReconciler(ctx, writer);
  const record = (input: RecordInput) => recordTicket(ctx, input);
  const recordBounce = createBounceRecorder(deps.redis, keys, (period) => periodExpiresAt(period, counts));
  const nightlyReconcile = () => reconcileDuePeriods(ctx, reconcile);

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  let nightly: NightlySchedule | undefined;

  function scheduleTick(): void {
    const tickMs =
      deps.writerTickMs ?? Math.min(5000, Math.max(250, Math.floor((counts.debounceSeconds * 1000) / 4)));
    timer = setTimeout(() => {
      running = writer
        .flush()
        .catch((err: unknown) =>
          logger.error('count write-back failed; retrying on the next tick', {
            error: coerceError(err).message,
          }),
        )
        .finally(() => {
          running = undefined;
          if (!stopped) scheduleTick();
        });
    }, tickMs);
    timer.unref();
  }

  /**
   * Starts the background writer and the nightly reconcile. Resolves at once, without touching HEAT
   * and without waiting for Redis: the nightly part is set up in the background (scheduleNightlyReconcile), the
   * writer's errors are logged per tick, and the Redis connection, queue and worker have throttled
   * error listeners, so an outage at start is logged and survived.
   */
  async function start(): Promise<void> {
    if (!counts.enabled || !stopped) return;
    stopped = false;
    scheduleTick();
    if (deps.scheduleReconcile === false) return;
    nightly = scheduleNightlyReconcile({
      redis: deps.redis,
      prefix: deps.config.queue.prefix,
      counts,
      run: async () => {
        const results = await nightlyReconcile();
        return results.map((r) => ({ period: r.period, differences: r.differences.length, ms: r.ms }));
      },
      logger,
      onError,
    });
  }

  /** Resolves once start() has registered the nightly scheduler (at once when it has not started one). */
  async function started(): Promise<void> {
    await nightly?.ready;
  }

  async function stop(deadline: Deadline = createDeadline(STOP_DEADLINE_MS)): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    nightly?.cancel();
    await running;
    await nightly?.close(deadline);
    nightly = undefined;
  }

  return {
    record,
    recordRows: (rows) => recordRows(ctx, rows),
    recordRouting: (input) => recordRouting(ctx, recordBounce, input),
    snapshot: (period) => readPeriodCounts(deps.redis, keys, period),
    flush: (options) => writer.flush(options),
    reconcile,
    nightlyReconcile,
    currentPeriod,
    start,
    started,
    stop,
  };
}
