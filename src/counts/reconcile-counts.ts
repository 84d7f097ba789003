import { createReconcileApplier } from './apply-reconcile.js';
import type { CountsContext } from './counts-context.js';
import { COUNTS_RETENTION_DAYS, periodExpiresAt } from './period-expires-at.js';
import { periodRange } from './period-range.js';
import { planReconcile, type CountDifference, type ReconcileFigures } from './plan-reconcile.js';
import { createReconcileReader } from './read-reconcile-input.js';
import { widenedCreatedFilter } from './widened-created-filter.js';
import type { SchoolCountsWriter } from './write-school-counts.js';

export interface ReconcileResult extends ReconcileFigures {
  period: string;
  /** The period's instants [start, end) in the district's zone. */
  range: { start: string; end: string };
  /**
   * The CreatedDateTime literals sent to HEAT (`ge from and lt to`): the period widened by a day on each
   * side, in heat.filterDateFormat.
   */
  query: { from: string; to: string };
  /** true when the period's counters disagreed with the tickets' states and were rebuilt. */
  countersRebuilt: boolean;
  differences: CountDifference[];
  /** false for a past period: school records show the current period only. */
  schoolRecordsChecked: boolean;
  schoolsWritten: number;
  schoolsFailed: number;
  /** Schools named by this period's tickets that have no record in the school set. */
  unknownSchools: string[];
  /** Entries dropped from the `written` and `school-recid` caches (schools without counts or records). */
  schoolCachePruned: number;
  heatCalls: number;
  ms: number;
}

/**
 * Reconcile as read, plan, apply: readReconcileInput gathers what HEAT and Redis hold (no change),
 * planReconcile decides everything (pure), applyReconcile performs it (docs/counts.md, Reconcile).
 */
export function createReconciler(ctx: CountsContext, writer: SchoolCountsWriter) {
  const readReconcileInput = createReconcileReader(ctx);
  const applyReconcile = createReconcileApplier(ctx, writer);

  /** Recounts a period from the tickets' tags in HEAT, corrects Redis and (current period) the schools. */
  return async function reconcile(period: string): Promise<ReconcileResult> {
    const started = Date.now();
    const callsBefore = ctx.heat.stats().calls;
    const range = periodRange(period, ctx.counts);
    if (periodExpiresAt(period, ctx.counts) * 1000 <= ctx.now().getTime()) {
      throw new RangeError(
        `period ${period} ended more than ${COUNTS_RETENTION_DAYS} days ago: its counts are no longer kept in Redis ` +
          `(docs/counts.md, Redis memory). Fix: reconcile a later period; HEAT's tags remain the record of older ones`,
      );
    }
    const query = widenedCreatedFilter('CreatedDateTime', range, ctx.heatConfig.filterDateFormat);
    const input = await readReconcileInput(period, query.filter);
    const plan = planReconcile(input);
    const { missedByRange } = plan.figures;
    if (missedByRange > 0) {
      ctx.logger.warn(
        'the CreatedDateTime range query missed tickets that HEAT has in the period; kept them',
        {
          period,
          missedByRange,
          filter: query.filter,
          fix: 'check heat.filterDateFormat in config/service.yaml against how the tenant compares dates',
        },
      );
    }
    const applied = await applyReconcile(plan, input.currentPeriod);
    const result: ReconcileResult = {
      period,
      range,
      query: { from: query.from, to: query.to },
      ...plan.figures,
      countersRebuilt: applied.countersRebuilt,
      differences: plan.differences,
      schoolRecordsChecked: plan.schools !== null,
      schoolsWritten: applied.schoolsWritten,
      schoolsFailed: applied.schoolsFailed,
      unknownSchools: plan.schools?.unknownSchools ?? [],
      schoolCachePruned: applied.schoolCachePruned,
      heatCalls: ctx.heat.stats().calls - callsBefore,
      ms: Date.now() - started,
    };
    const { differences: _d, untaggedSample: _u, unknownSchools: _s, ...summary } = result;
    ctx.logger.info('counts reconciled', { ...summary, differences: result.differences.length });
    return result;
  };
}
