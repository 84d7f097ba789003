import type { Logger } from '../observability/index.js';
import type { HeatCallStats } from './types.js';

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export interface CallBudget {
  /** Counts one call; past the daily budget, warns once a day (calls continue). */
  count(method: string): void;
  stats(): HeatCallStats;
}

/** The HEAT calls of this process per UTC day, against heat.dailyCallBudget. */
export function createCallBudget(dailyCallBudget: number, now: () => Date, logger: Logger): CallBudget {
  let budgetDay = utcDay(now());
  let calls = 0;
  let byMethod: Record<string, number> = {};
  let warnedDay: string | null = null;

  function rollDay(): void {
    const day = utcDay(now());
    if (day !== budgetDay) {
      budgetDay = day;
      calls = 0;
      byMethod = {};
    }
  }

  function countCall(method: string): void {
    rollDay();
    calls += 1;
    byMethod[method] = (byMethod[method] ?? 0) + 1;
    if (calls > dailyCallBudget && warnedDay !== budgetDay) {
      warnedDay = budgetDay;
      // HEAT slows (does not refuse) tenants past 100,000 calls a day (docs/heat-api.md §11), so keep going.
      logger.warn('HEAT daily call budget passed; calls continue, but HEAT may slow this tenant down', {
        day: budgetDay,
        calls,
        budget: dailyCallBudget,
      });
    }
  }

  return {
    count: countCall,
    stats() {
      rollDay();
      return { day: budgetDay, calls, budget: dailyCallBudget, byMethod: { ...byMethod } };
    },
  };
}
