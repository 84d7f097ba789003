import { CATEGORY_IDS, CATEGORY_SCOPES, SCOPE_IDS, type CategoryId, type ScopeId } from '../domain/index.js';
import {
  bounceOf,
  districtBounce,
  periodOf,
  sortForReport,
  type PeriodConfig,
  type SchoolBounce,
  type SchoolCounts,
} from '../counts/index.js';

/** What the report shows of a category (routing.yaml `categories.<id>`). */
export interface ReportCategory {
  displayName: string;
  /** The team that owns this work; null: the school's technicians. */
  destination: string | null;
}

/** One period's per-school counts, as Redis holds them. */
export interface PeriodCounts {
  period: string;
  rows: readonly SchoolCounts[];
}

/** Everything the HTML report is rendered from; it reads nothing itself (no I/O, no clock). */
export interface HtmlReportInput {
  /** The period reported on. */
  period: string;
  /** The period HEAT's school records show (only its numbers are on the records). */
  currentPeriod: string;
  /** `period` and the periods before it that Redis still keeps, oldest first; the last one is `period`. */
  history: readonly PeriodCounts[];
  categories: Readonly<Record<CategoryId, ReportCategory>>;
  /** The team of the school-based technicians (routing.yaml `teams.technicians`). */
  techniciansTeam: string;
  /** The incident field where a person's override is recorded (routing.yaml `fields.override`). */
  overrideField: string;
  /**
   * The reported period's routing figures per school (tickets routed by us, overrides), as Redis holds
   * them (readSchoolBounces): the bounce rate. A school without a row had no ticket routed.
   */
  bounce: readonly SchoolBounce[];
  /** When the numbers were read (the command's clock). */
  generatedAt: Date;
  /** The district's zone (service.yaml `counts.timeZone`), for dates in words. */
  timeZone: string;
}

/** A period's totals over every school (and the tickets without one). */
export interface DistrictTotals {
  period: string;
  total: number;
  byScope: Record<ScopeId, number>;
  byCategory: Record<CategoryId, number>;
  /** Schools with at least one ticket (not counting the no-school bucket). */
  schools: number;
}

export function districtTotals(counts: PeriodCounts): DistrictTotals {
  const totals: DistrictTotals = {
    period: counts.period,
    total: 0,
    byScope: Object.fromEntries(SCOPE_IDS.map((s) => [s, 0])) as Record<ScopeId, number>,
    byCategory: Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0])) as Record<CategoryId, number>,
    schools: 0,
  };
  for (const row of counts.rows) {
    totals.total += row.total;
    if (row.hasSchool && row.total > 0) totals.schools += 1;
    for (const s of SCOPE_IDS) totals.byScope[s] += row.byScope[s];
    for (const c of CATEGORY_IDS) totals.byCategory[c] += row.byCategory[c];
  }
  return totals;
}

/** part / total, 0 when there is nothing (a share of no tickets is shown as none, not as NaN). */
export function shareOf(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}

/** A share in words: 0.2312 -> "23.1%". */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** A school's routing figures in the reported period (none routed when Redis has none). */
export function schoolBounce(input: HtmlReportInput, school: string): SchoolBounce {
  return bounceOf(input.bounce, input.period, school);
}

/** The district's routing figures in the reported period (every school and the no-school bucket). */
export function districtBounceOf(input: HtmlReportInput): SchoolBounce {
  return districtBounce(input.period, input.bounce);
}

/** A bounce rate in words: "12.5%", or "none routed" without a routed ticket. */
export function bounceRateText(b: SchoolBounce): string {
  return b.bounceRate === null ? 'none routed' : percent(b.bounceRate);
}

/** The categories of a scope, in the policy's order. */
export function categoriesOf(scope: ScopeId): CategoryId[] {
  return CATEGORY_IDS.filter((c) => CATEGORY_SCOPES[c] === scope);
}

/** The reported period's counts (the last of the history); checks the input's shape once. */
export function reportedPeriod(input: HtmlReportInput): PeriodCounts {
  const last = input.history[input.history.length - 1];
  if (!last || last.period !== input.period) {
    throw new RangeError(
      `report history must end with the reported period ${input.period} (got ${last?.period ?? 'nothing'})`,
    );
  }
  return last;
}

/** The reported period's rows in report order (by out-of-scope share, no-school last). */
export function reportRows(input: HtmlReportInput): SchoolCounts[] {
  return sortForReport(reportedPeriod(input).rows);
}

/** One school's row in each period of the history (zeros where it had no tickets). */
export function schoolHistory(input: HtmlReportInput, school: string): Array<SchoolCounts | null> {
  return input.history.map((p) => p.rows.find((r) => r.school === school) ?? null);
}

/** The median of the schools' values (not counting the no-school bucket), or null with no school. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * The parts of the loaded configuration the report reads (LoadedConfig has this shape; the report
 * module does not import config/): display names and destinations, the technicians' team, the override
 * field, and the counts' period settings and zone.
 */
export interface ReportConfig {
  routing: {
    categories: Readonly<Record<CategoryId, ReportCategory>>;
    teams: { technicians: string };
    fields: { override: string };
  };
  service: { counts: PeriodConfig };
}

/** The HTML report's input from the configuration and the counts read (oldest period first). */
export function htmlReportInput(
  config: ReportConfig,
  period: string,
  history: readonly PeriodCounts[],
  now: Date,
  bounce: readonly SchoolBounce[] = [],
): HtmlReportInput {
  const { routing, service } = config;
  return {
    period,
    currentPeriod: periodOf(now.toISOString(), service.counts),
    history,
    categories: Object.fromEntries(
      CATEGORY_IDS.map((c) => [
        c,
        { displayName: routing.categories[c].displayName, destination: routing.categories[c].destination },
      ]),
    ) as Record<CategoryId, ReportCategory>,
    techniciansTeam: routing.teams.technicians,
    overrideField: routing.fields.override,
    bounce,
    generatedAt: now,
    timeZone: service.counts.timeZone,
  };
}
