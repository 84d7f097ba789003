import { CATEGORY_IDS, SCOPE_IDS, type CategoryId, type ScopeId } from '../domain/index.js';
import { bounceOf, type SchoolBounce } from './bounce-counts.js';
import type { SchoolCounts } from './school-counts.js';

export type ReportFormat = 'table' | 'csv' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'csv', 'json'];

/** The scopes in plain words, for people (headers of the table and the HTML report). */
export const SCOPE_NAMES: Readonly<Record<ScopeId, string>> = Object.freeze({
  in_scope: 'In scope',
  out_of_scope: 'Out of scope',
  restricted: 'Restricted',
  needs_review: 'Needs review',
});

/** What the report needs beyond the rows. */
export interface ReportContext {
  /**
   * The period HEAT's school records show (the current one). Only rows of this period, of a real
   * school, are written to HEAT: `written_to_heat` is false for every other period.
   */
  currentPeriod: string;
  /** Display names by category id (routing.yaml `categories.<id>.displayName`); the id when missing. */
  categoryNames?: Partial<Record<CategoryId, string>>;
  /**
   * The period's routing figures per school (readSchoolBounces): tickets routed by us and overridden,
   * for the bounce rate. A school without a row routed none (no rate).
   */
  bounce?: readonly SchoolBounce[];
}

/** Highest out-of-scope share first (the schools whose technicians do most work that belongs elsewhere). */
export function sortForReport(rows: readonly SchoolCounts[]): SchoolCounts[] {
  return [...rows].sort(
    (a, b) =>
      Number(a.hasSchool === false) - Number(b.hasSchool === false) ||
      b.outOfScopeShare - a.outOfScopeShare ||
      b.total - a.total ||
      a.school.localeCompare(b.school),
  );
}

/** Whether HEAT's school record holds this row's numbers: a real school, in the current period. */
export function isWrittenToHeat(row: SchoolCounts, currentPeriod: string): boolean {
  return row.hasSchool && row.period === currentPeriod;
}

const NO_SCHOOL_NOTE = '(no school): tickets without a school; shown here, never written to HEAT.';

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** The row's routing figures from the context (none routed when it has none). */
function bounceRow(row: SchoolCounts, context: ReportContext): SchoolBounce {
  return bounceOf(context.bounce ?? [], row.period, row.school);
}

/** A bounce rate for people: "12.5% (1 of 8)", or "-" when the router routed none of its tickets. */
export function bounceText(b: Pick<SchoolBounce, 'routed' | 'overrides' | 'bounceRate'>): string {
  return b.bounceRate === null ? '-' : `${percent(b.bounceRate)} (${b.overrides} of ${b.routed})`;
}

const BOUNCE_NOTE =
  'Bounce rate: of the tickets the router routed, the share a person then moved elsewhere (overrides / routed; "-": none routed).';

/** Longest header line in the text table; longer display names wrap onto further header lines. */
const HEADER_WRAP = 12;

/** A header split on spaces into lines of at most `width` characters (a longer word stays whole). */
function wrapHeader(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.length - 1;
    if (last >= 0 && `${lines[last]} ${word}`.length <= width) lines[last] = `${lines[last]} ${word}`;
    else lines.push(word);
  }
  return lines.length ? lines : [''];
}

function formatTable(rows: SchoolCounts[], context: ReportContext): string {
  if (rows.length === 0) return 'No tickets counted in this period.\n';
  const names = context.categoryNames ?? {};
  const headers = [
    'School',
    'Total',
    ...SCOPE_IDS.map((s) => SCOPE_NAMES[s]),
    'Out-of-scope share',
    'Bounce rate',
    ...CATEGORY_IDS.map((c) => names[c] ?? c),
  ].map((h, i) => (i === 0 ? [h] : wrapHeader(h, HEADER_WRAP)));
  const body = rows.map((r) => [
    r.school,
    String(r.total),
    ...SCOPE_IDS.map((s) => String(r.byScope[s])),
    percent(r.outOfScopeShare),
    bounceText(bounceRow(r, context)),
    ...CATEGORY_IDS.map((c) => String(r.byCategory[c])),
  ]);
  const totals = rows.reduce((sum, r) => sum + r.total, 0);
  const widths = headers.map((h, i) =>
    Math.max(...h.map((l) => l.length), ...body.map((cells) => (cells[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  // Header cells sit on the bottom line of the header, like a spreadsheet's wrapped header row.
  const headerLines = Math.max(...headers.map((h) => h.length));
  const header = Array.from({ length: headerLines }, (_, n) =>
    line(headers.map((h) => h[n - (headerLines - h.length)] ?? '')),
  );
  const schools = rows.filter((r) => r.hasSchool).length;
  const out = [
    `Period ${rows[0]?.period ?? ''}: ${schools} schools, ${totals} tickets; sorted by out-of-scope share`,
    ...header,
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  out.push('', BOUNCE_NOTE);
  if (rows.some((r) => !r.hasSchool)) out.push(NO_SCHOOL_NOTE);
  if (rows[0] && rows[0].period !== context.currentPeriod) {
    out.push(
      '',
      `HEAT's school records show ${context.currentPeriod} only; these ${rows[0].period} numbers are in Redis, not on the records.`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** RFC 4180 quoting; a leading = + - @ is defused because principals open this in a spreadsheet. */
function csvCell(value: string | number | boolean): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Column names are the stable ids (scripts read them); people read the table or the HTML report. */
function formatCsv(rows: SchoolCounts[], context: ReportContext): string {
  const headers = [
    'period',
    'school',
    'total',
    ...SCOPE_IDS,
    'out_of_scope_share',
    ...CATEGORY_IDS,
    'written_to_heat',
    // After the older columns, so that scripts reading by position keep working.
    'routed_by_us',
    'overrides',
    'bounce_rate',
  ];
  const lines = rows.map((r) => {
    const b = bounceRow(r, context);
    return [
      r.period,
      r.school,
      r.total,
      ...SCOPE_IDS.map((s) => r.byScope[s]),
      r.outOfScopeShare,
      ...CATEGORY_IDS.map((c) => r.byCategory[c]),
      isWrittenToHeat(r, context.currentPeriod),
      b.routed,
      b.overrides,
      // Empty, not 0, when none was routed: no rate is not a rate of 0.
      b.bounceRate ?? '',
    ]
      .map(csvCell)
      .join(',');
  });
  return `${[headers.join(','), ...lines].join('\r\n')}\r\n`;
}

/** The per-school report, schools as rows, scopes and categories as columns, by out-of-scope share. */
export function formatReport(
  rows: readonly SchoolCounts[],
  format: ReportFormat,
  context: ReportContext,
): string {
  const sorted = sortForReport(rows);
  switch (format) {
    case 'table':
      return formatTable(sorted, context);
    case 'csv':
      return formatCsv(sorted, context);
    case 'json':
      return `${JSON.stringify(
        sorted.map((r) => {
          const b = bounceRow(r, context);
          return {
            ...r,
            writtenToHeat: isWrittenToHeat(r, context.currentPeriod),
            routedByUs: b.routed,
            overrides: b.overrides,
            bounceRate: b.bounceRate,
          };
        }),
        null,
        2,
      )}\n`;
    default:
      throw new RangeError(
        `unknown report format ${JSON.stringify(format)}: use ${REPORT_FORMATS.join(', ')}`,
      );
  }
}
