// The one field comparison of the project (trims text, reads "3" as 3): a record whose values HEAT
// hands back padded or as strings must not be rewritten on every flush or reconcile.
import { sameFieldValue, coerceError } from '../domain/index.js';
import type { HeatRecord } from '../domain/index.js';
import { eq, HeatApiError } from '../heat/index.js';
import { countFieldValues } from './count-field-values.js';
import type { CountsContext } from './counts-context.js';
import { readPeriodCounts } from './read-period-counts.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { emptySchoolCounts, type SchoolCounts } from './school-counts.js';

export interface FlushResult {
  /** Schools whose record was PATCHed. */
  written: number;
  /** Due schools with nothing new to write (or no record in HEAT). */
  skipped: number;
  /** Schools whose write HEAT refused or that failed; retryable ones are due again after the interval. */
  failed: number;
}

export interface FlushOptions {
  /** Also write schools whose interval has not passed yet (demo, tests). Default false. */
  force?: boolean;
}

/** Writes of several schools go out side by side; the HEAT client caps the real concurrency. */
const WRITE_CONCURRENCY = 4;
/** A writer that dies holding a school's lock frees it after this long (longer than a HEAT call's timeouts). */
const WRITE_LOCK_MS = 120_000;
/** Deletes the lock only if this process still holds it. */
const RELEASE_LOCK =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

export function createSchoolCountsWriter(ctx: CountsContext) {
  const { redis, keys, heat, logger } = ctx;
  const debounceMs = ctx.counts.debounceSeconds * 1000;

  /** RecId of the school's record, by `schoolKeyField eq '<name>'`, cached in Redis. */
  async function findSchoolRecId(school: string): Promise<string | null> {
    const cached = await redis.hget(keys.schoolRecIds, school);
    if (cached) return cached;
    const rows = await heat.list(ctx.heatConfig.schoolSet, {
      filter: eq(ctx.counts.schoolKeyField, school),
      top: 2,
    });
    // HEAT's eq is case-insensitive (docs/heat-api.md §4); prefer an exact match when there are several.
    const match =
      rows.find((r) => r[ctx.counts.schoolKeyField] === school) ??
      rows.find((r) => String(r[ctx.counts.schoolKeyField] ?? '').toLowerCase() === school.toLowerCase());
    const recId = typeof match?.RecId === 'string' ? match.RecId : null;
    if (recId) await redis.hset(keys.schoolRecIds, school, recId);
    return recId;
  }

  /**
   * PATCHes the fields of `counts` that differ from `current` (what the record holds, or what we last
   * wrote), plus the "updated" stamp. Returns the fields written, or null when nothing differed.
   */
  async function writeSchoolRecord(
    school: string,
    recId: string,
    counts: SchoolCounts,
    current: Record<string, unknown>,
  ): Promise<Record<string, unknown> | null> {
    const values = countFieldValues(counts, ctx.fields);
    const changed: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(values)) {
      if (!sameFieldValue(current[field], value)) changed[field] = value;
    }
    if (Object.keys(changed).length === 0) {
      await redis.hset(keys.written, school, JSON.stringify(values));
      return null;
    }
    changed[ctx.fields.updated] = ctx.now().toISOString();
    await heat.update(ctx.heatConfig.schoolSet, recId, changed);
    await redis.hset(keys.written, school, JSON.stringify(values));
    return changed;
  }

  function logRefusal(school: string, err: unknown, what: string): void {
    const heatError = err instanceof HeatApiError ? err : null;
    logger.warn(`${what} failed for one school; the others continue`, {
      school,
      status: heatError?.status,
      code: heatError?.code,
      error: coerceError(err).message,
    });
  }

  /** Writes every school whose write-back is due (all dirty ones with `force`). */
  async function flush(options: FlushOptions = {}): Promise<FlushResult> {
    const nowMs = ctx.now().getTime();
    const due = await redis.zrangebyscore(keys.dirty, '-inf', options.force ? '+inf' : nowMs);
    const result: FlushResult = { written: 0, skipped: 0, failed: 0 };
    if (due.length === 0) return result;
    // One writer per school at a time: without it, a replica that read the counts earlier could PATCH
    // after a replica that read them later, and HEAT would keep the older figures. A school another
    // process is writing stays dirty for the next flush.
    const token = `${process.pid}:${nowMs}:${Math.random().toString(36).slice(2)}`;
    const locks = await Promise.all(
      due.map((school) => redis.set(keys.writing(school), token, 'PX', WRITE_LOCK_MS, 'NX')),
    );
    const unlocked = due.filter((_, i) => locks[i] === 'OK');
    // Claim before reading the counts: a change after the claim marks the school dirty again, so no
    // change is ever lost, and of two processes flushing at once only one gets each school.
    const claims = await Promise.all(unlocked.map((school) => redis.zrem(keys.dirty, school)));
    const claimed = unlocked.filter((_, i) => claims[i] === 1);
    const release = (school: string) => redis.eval(RELEASE_LOCK, 1, keys.writing(school), token);
    await Promise.all(unlocked.filter((_, i) => claims[i] !== 1).map(release));
    try {
      await writeClaimed(claimed, nowMs, result);
    } finally {
      await Promise.all(claimed.map(release));
    }
    if (result.written + result.failed > 0)
      logger.info('school counts written', { period: ctx.currentPeriod(), ...result });
    return result;
  }

  async function writeClaimed(claimed: string[], nowMs: number, result: FlushResult): Promise<void> {
    const period = ctx.currentPeriod();
    const bySchool = new Map((await readPeriodCounts(redis, keys, period)).map((row) => [row.school, row]));
    const lastWritten = claimed.length > 0 ? await redis.hmget(keys.written, ...claimed) : [];

    await runWithConcurrency(claimed, WRITE_CONCURRENCY, async (school, index) => {
      const counts = bySchool.get(school) ?? emptySchoolCounts(period, school);
      const previous = parseWritten(lastWritten[index] ?? null);
      const values = countFieldValues(counts, ctx.fields);
      if (Object.entries(values).every(([field, value]) => sameFieldValue(previous[field], value))) {
        result.skipped++;
        return;
      }
      try {
        const recId = await findSchoolRecId(school);
        if (!recId) {
          logger.warn('no school record to write counts to', {
            school,
            set: ctx.heatConfig.schoolSet,
            fix: `create the record or set counts.schoolKeyField to the field that holds "${school}"`,
          });
          result.skipped++;
          return;
        }
        const written = await writeSchoolRecord(school, recId, counts, previous);
        if (written) result.written++;
        else result.skipped++;
      } catch (err) {
        result.failed++;
        logRefusal(school, err, 'writing counts');
        const retryable = err instanceof HeatApiError ? err.retryable : true;
        // A refusal (400: a missing field, a bad value) would fail again until someone fixes the tenant;
        // the next change of the school's counts tries again. Network errors and 5xx retry on their own.
        if (retryable) await redis.zadd(keys.dirty, 'NX', nowMs + Math.max(debounceMs, 1000), school);
      }
    });
  }

  return { flush, findSchoolRecId, writeSchoolRecord, logRefusal };
}

function parseWritten(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as HeatRecord) : {};
  } catch {
    return {};
  }
}

export type SchoolCountsWriter = ReturnType<typeof createSchoolCountsWriter>;
