import type { HtmlReportInput } from './report-model.js';
import { periodLabel } from './period-label.js';

/** The sentence that says why the bounce rate is not shown (it is not counted per school). */
export function bounceRateNotAvailable(input: Pick<HtmlReportInput, 'overrideField'>): string {
  return (
    'Bounce rate (how often a person moved a ticket away from where the router sent it): not available. ' +
    `The router records each such move on the ticket in HEAT (the ${input.overrideField} field) and counts ` +
    'them for the whole district (the sbt_overrides_total metric), but it does not count them per school, ' +
    'and this report reads only the per-school counts. The figure is left out rather than estimated.'
  );
}

/** Where the numbers are, in words: on HEAT's school records (current period) or in Redis only. */
export function whereTheNumbersAre(input: HtmlReportInput): string {
  const current = periodLabel(input.currentPeriod).long;
  if (input.period === input.currentPeriod) {
    return `${periodLabel(input.period).long} is the current period and is not over yet: these are the numbers so far. HEAT's school records show them too.`;
  }
  return `HEAT's school records show the current period (${current}) only; these ${periodLabel(input.period).long} numbers come from the router's own counts.`;
}
