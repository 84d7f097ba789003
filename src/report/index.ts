export { renderDistrictReport, periodsWithCounts, trendSentence } from './render-district-report.js';
export { renderSchoolReport, findSchool } from './render-school-report.js';
export { CONTENT_SECURITY_POLICY } from './html-page.js';
export { escapeHtml, html, SafeHtml } from './html.js';
export { periodLabel, localDateTime } from './period-label.js';
export { niceStep, SCOPE_COLORS } from './svg-charts.js';
export { districtTotals, htmlReportInput } from './report-model.js';
export type {
  HtmlReportInput,
  PeriodCounts,
  ReportCategory,
  ReportConfig,
  DistrictTotals,
} from './report-model.js';
export { readReportHistory, reportHistoryPeriods } from './report-history.js';
