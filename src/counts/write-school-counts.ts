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
/**
 * A school's write lease: the lock and the school's `inflight` entry last this long unless renewed,
 * and the writer renews both every third of it while it writes. A writer killed after claiming a
 * school stops renewing: within one lease the school goes back to `dirty` and the next flush (any
 * replica's) writes it. Without this a claimed school stayed off `dirty` for good, and its record kept
 * old figures until the next change of its counts.
 */
const WRITE_LEASE_MS = 10_000;

/** Redis time in ms (the lease is Redis's clock, not the process's, which tests may pin). */
const REDIS_NOW = "local t = redis.call('time') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

/**
 * KEYS: lock, dirty, inflight; ARGV: token, school, lease ms. Takes the lock and moves the school from
 * `dirty` to `inflight` in one step; 0 when another process holds it or it is no longer dirty.
 */
const CLAIM = `if not redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3], 'NX') then return 0 end
if redis.call('zrem', KEYS[2], ARGV[2]) == 0 then redis.call('del', KEYS[1]) return 0 end
${REDIS_NOW}
redis.call('zadd', KEYS[3], now + tonumber(ARGV[3]), ARGV[2])
return 1`;

/** KEYS: lock, inflight; ARGV: token, school, lease ms. Extends the lease while this process holds it. */
const RENEW = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('pexpire', KEYS[1], ARGV[3])
${REDIS_NOW}
redis.call('zadd', KEYS[2], 'XX', now + tonumber(ARGV[3]), ARGV[2])
return 1`;

/** KEYS: lock, inflight; ARGV: token, school. Ends the lease, only if this process still holds it. */
const RELEASE = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1])
redis.call('zrem', KEYS[2], ARGV[2])
return 1`;

/** KEYS: inflight, dirty. Schools whose lease ran out are due again at once; returns how many. */
const RECOVER = `${REDIS_NOW}
local stale = redis.call('zrangebyscore', KEYS[1], '-inf', now)
for _, school in ipairs(stale) do
  redis.call('zadd', KEYS[2], 'NX', 0, school)
  redis.call('zrem', KEYS[1], school)
end
return #stale`;

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
    const recovered = Number(await redis.eval(RECOVER, 2, keys.inflight, keys.dirty));
    if (recovered > 0)
      logger.warn('school count writes taken over from a writer that stopped before finishing', {
        schools: recovered,
      });
    const due = await redis.zrangebyscore(keys.dirty, '-inf', options.force ? '+inf' : nowMs);
    const result: FlushResult = { written: 0, skipped: 0, failed: 0 };
    if (due.length === 0) return result;
    // One writer per school at a time: without it, a replica that read the counts earlier could PATCH
    // after a replica that read them later, and HEAT would keep the older figures. A school another
    // process is writing stays dirty for the next flush. The claim takes the school off `dirty` before
    // the counts are read: a change after it marks the school dirty again, so no change is lost, and of
    // two processes flushing at once only one gets each school.
    const token = `${process.pid}:${nowMs}:${Math.random().toString(36).slice(2)}`;
    const lease = ctx.writeLeaseMs ?? WRITE_LEASE_MS;
    const claims = await Promise.all(
      due.map((school) =>
        redis.eval(CLAIM, 3, keys.writing(school), keys.dirty, keys.inflight, token, school, lease),
      ),
    );
    const claimed = due.filter((_, i) => claims[i] === 1);
    const renew = setInterval(
      () => {
        for (const school of claimed) {
          redis.eval(RENEW, 2, keys.writing(school), keys.inflight, token, school, lease).catch(() => {
            // Redis away: the lease runs out and the school is written again by the next flush.
          });
        }
      },
      Math.max(10, Math.floor(lease / 3)),
    );
    renew.unref();
    try {
      await writeClaimed(claimed, nowMs, result);
    } finally {
      clearInterval(renew);
      await Promise.all(
        claimed.map((school) => redis.eval(RELEASE, 2, keys.writing(school), keys.inflight, token, school)),
      );
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
