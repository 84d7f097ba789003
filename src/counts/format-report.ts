import { CATEGORY_IDS, SCOPE_IDS } from '../domain/index.js';
import type { SchoolCounts } from './school-counts.js';

export type ReportFormat = 'table' | 'csv' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'csv', 'json'];

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

const NO_SCHOOL_NOTE = '(no school): tickets without a school; shown here, never written to HEAT.';

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function formatTable(rows: SchoolCounts[]): string {
  if (rows.length === 0) return 'No tickets counted in this period.\n';
  const headers = ['School', 'Total', ...SCOPE_IDS, 'Out share', ...CATEGORY_IDS];
  const body = rows.map((r) => [
    r.school,
    String(r.total),
    ...SCOPE_IDS.map((s) => String(r.byScope[s])),
    percent(r.outOfScopeShare),
    ...CATEGORY_IDS.map((c) => String(r.byCategory[c])),
  ]);
  const totals = rows.reduce((sum, r) => sum + r.total, 0);
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const out = [
    `Period ${rows[0]?.period ?? ''}: ${rows.filter((r) => r.hasSchool).length} schools, ${totals} tickets; sorted by out-of-scope share`,
    line(headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  if (rows.some((r) => !r.hasSchool)) out.push('', NO_SCHOOL_NOTE);
  return `${out.join('\n')}\n`;
}

/** RFC 4180 quoting; a leading = + - @ is defused because principals open this in a spreadsheet. */
function csvCell(value: string | number | boolean): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function formatCsv(rows: SchoolCounts[]): string {
  const headers = [
    'period',
    'school',
    'total',
    ...SCOPE_IDS,
    'out_of_scope_share',
    ...CATEGORY_IDS,
    'written_to_heat',
  ];
  const lines = rows.map((r) =>
    [
      r.period,
      r.school,
      r.total,
      ...SCOPE_IDS.map((s) => r.byScope[s]),
      r.outOfScopeShare,
      ...CATEGORY_IDS.map((c) => r.byCategory[c]),
      r.hasSchool,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[headers.join(','), ...lines].join('\r\n')}\r\n`;
}

/** The per-school report, schools as rows, scopes and categories as columns, by out-of-scope share. */
export function formatReport(rows: readonly SchoolCounts[], format: ReportFormat): string {
  const sorted = sortForReport(rows);
  switch (format) {
    case 'table':
      return formatTable(sorted);
    case 'csv':
      return formatCsv(sorted);
    case 'json':
      return `${JSON.stringify(
        sorted.map((r) => ({ ...r, writtenToHeat: r.hasSchool })),
        null,
        2,
      )}\n`;
    default:
      throw new RangeError(
        `unknown report format ${JSON.stringify(format)}: use ${REPORT_FORMATS.join(', ')}`,
      );
  }
}
