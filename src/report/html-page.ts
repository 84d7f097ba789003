import { html, SafeHtml } from './html.js';

/**
 * Blocks every request the page could make (no script, font, image or style from anywhere); the
 * report is one file that opens the same offline, from an e-mail attachment or a shared drive.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif;
  color: #1b1b1b; background: #ffffff; margin: 0 auto; max-width: 1180px; padding: 24px 28px; line-height: 1.45; }
h1 { font-size: 1.65rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #d8d8d8; }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
p { margin: 6px 0; max-width: 80ch; }
.meta { color: #555555; margin: 0 0 12px; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; padding: 0; list-style: none; }
.figure { flex: 1 1 0; border: 1px solid #d8d8d8; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
.figure .value { display: block; font-size: 1.4rem; font-weight: 600; }
.figure .what { color: #444444; font-size: 0.85rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; margin: 8px 0; }
th, td { padding: 4px 6px; border-bottom: 1px solid #e4e4e4; text-align: right; vertical-align: middle; }
thead th { background: #f2f2f2; vertical-align: bottom; font-weight: 600; }
th.group { text-align: center; border-bottom: 1px solid #c8c8c8; }
th:first-child, td:first-child, .left { text-align: left; }
td { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.left { white-space: normal; }
body.narrow { max-width: 900px; }
body.wide { max-width: 1280px; }
td.wrap { white-space: normal; }
.scroll { overflow-x: auto; }
table.schools th[scope="row"] { min-width: 11em; }
tr.no-school-row td { color: #555555; font-style: italic; }
.na { color: #666666; font-style: italic; }
.note { background: #f8f6ee; border-left: 4px solid #E69F00; padding: 8px 12px; margin: 10px 0; max-width: none; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 0.88rem; margin: 4px 0; }
.legend .key { white-space: nowrap; }
.legend svg { vertical-align: -1px; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart.bar, svg.chart.count { max-width: none; }
svg.chart text { font-family: inherit; font-size: 11px; fill: #333333; }
svg.chart text.total { font-weight: 600; }
figure { margin: 8px 0 4px; }
figcaption { font-size: 0.88rem; color: #444444; }
dl { margin: 6px 0; } dt { font-weight: 600; margin-top: 6px; } dd { margin: 0 0 0 1.2em; max-width: 80ch; }
footer { margin-top: 28px; color: #555555; font-size: 0.85rem; border-top: 1px solid #d8d8d8; padding-top: 8px; }
@media print {
  body, body.wide, body.narrow { max-width: none; padding: 0; font-size: 10pt; }
  .scroll { overflow: visible; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, .figure, .figures, .note, svg.chart, table.months { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tfoot { display: table-row-group; }
  table { font-size: 8.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

/** The whole document: one file, its style inline, no script, no request (CONTENT_SECURITY_POLICY). */
export function htmlPage(options: {
  title: string;
  body: SafeHtml;
  /** The district table is wide: it prints landscape; a principal's page prints portrait. */
  orientation: 'portrait' | 'landscape';
}): string {
  const bodyClass = options.orientation === 'portrait' ? 'narrow' : 'wide';
  // The stylesheet is our own constant text, not data: inserted as markup.
  const page = `@page { size: A4 ${options.orientation}; margin: 12mm; }`;
  return `<!DOCTYPE html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />
        <title>${options.title}</title>
        <style>
          ${new SafeHtml(STYLE + page)}
        </style>
      </head>
      <body class="${bodyClass}">
        ${options.body}
      </body>
    </html>`.value
  }\n`;
}
