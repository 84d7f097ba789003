import type { HtmlReportInput } from './report-model.js';
import { periodLabel } from './period-label.js';

/** What the bounce rate is and how it is counted (the note under the schools' table and on a school's page). */
export function bounceRateNote(input: Pick<HtmlReportInput, 'overrideField'>): string {
  return (
    'Bounce rate: how often a person moved a ticket away from where the router sent it, as a share of the ' +
    `tickets the router routed (overrides / tickets routed by the router). Each override is recorded on the ` +
    `ticket in HEAT (the ${input.overrideField} field) and counted once per ticket under its school and the ` +
    'period of its creation date; "none routed" means the router routed none of the school\'s tickets.'
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
