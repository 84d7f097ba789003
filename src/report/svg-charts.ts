import { SCOPE_IDS, type ScopeId } from '../domain/index.js';
import { SCOPE_NAMES } from '../counts/index.js';
import { html, type SafeHtml } from './html.js';
import { percent, shareOf } from './report-model.js';

/**
 * The scope colours (Okabe-Ito: told apart with the common colour-vision deficiencies, and in grey
 * on a black-and-white printer by their lightness). Charts are SVG drawn here: no library, no request.
 */
export const SCOPE_COLORS: Readonly<Record<ScopeId, string>> = Object.freeze({
  in_scope: '#0072B2',
  out_of_scope: '#E69F00',
  restricted: '#CC79A7',
  needs_review: '#8C8C8C',
});

/** One column of a stacked column chart: a period's tickets by scope. */
export interface ScopeColumn {
  /** Under the column, e.g. "Nov 2026". */
  label: string;
  byScope: Readonly<Record<ScopeId, number>>;
}

/** A round step for about `ticks` grid lines up to `max`: 1, 2 or 5 times a power of ten. */
export function niceStep(max: number, ticks = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return Math.max(1, step);
}

const round = (n: number): string => String(Math.round(n * 10) / 10);

/** Columns of tickets by scope, stacked bottom-up in the policy's scope order, a total above each. */
export function scopeColumnsChart(columns: readonly ScopeColumn[], caption: string): SafeHtml {
  const left = 44;
  const right = 12;
  const top = 22;
  const bottom = 30;
  const plot = 180;
  const width = Math.max(560, left + right + 64 * columns.length);
  const colWidth = (width - left - right) / Math.max(1, columns.length);
  const height = top + plot + bottom;
  const totals = columns.map((c) => SCOPE_IDS.reduce((n, s) => n + c.byScope[s], 0));
  const step = niceStep(Math.max(0, ...totals));
  const yMax = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const y = (v: number) => top + plot - (v / yMax) * plot;
  const grid = [];
  for (let v = 0; v <= yMax; v += step) {
    grid.push(
      html`<line
          x1="${left}"
          x2="${width - right}"
          y1="${round(y(v))}"
          y2="${round(y(v))}"
          stroke="#dddddd"
          stroke-width="1"
        ></line
        ><text x="${left - 6}" y="${round(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  }
  const barWidth = Math.min(48, colWidth * 0.6);
  const bars = columns.map((column, i) => {
    const x = left + colWidth * i + (colWidth - barWidth) / 2;
    let base = 0;
    const segments = SCOPE_IDS.map((scope) => {
      const value = column.byScope[scope];
      const y0 = y(base);
      base += value;
      if (value <= 0) return null;
      return html`<rect
        x="${round(x)}"
        y="${round(y(base))}"
        width="${round(barWidth)}"
        height="${round(y0 - y(base))}"
        fill="${SCOPE_COLORS[scope]}"
        ><title>${column.label}: ${SCOPE_NAMES[scope]} ${value}</title></rect
      >`;
    });
    const total = totals[i] ?? 0;
    return html`<g class="column"
      >${segments}<text
        x="${round(x + barWidth / 2)}"
        y="${round(y(total) - 5)}"
        text-anchor="middle"
        class="total"
        >${total}</text
      ><text x="${round(x + barWidth / 2)}" y="${top + plot + 18}" text-anchor="middle"
        >${column.label}</text
      ></g
    >`;
  });
  return html`<svg
    class="chart columns"
    width="${width}"
    height="${height}"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-label="${caption}"
  >
    <title>${caption}</title>
    ${grid}
    <line
      x1="${left}"
      x2="${width - right}"
      y1="${top + plot}"
      y2="${top + plot}"
      stroke="#555555"
      stroke-width="1"
    ></line>
    ${bars}
  </svg>`;
}

/** A school's tickets as one bar split by scope share (100% wide), for a row of the schools table. */
export function scopeShareBar(byScope: Readonly<Record<ScopeId, number>>, label: string): SafeHtml {
  const width = 120;
  const height = 14;
  const total = SCOPE_IDS.reduce((n, s) => n + byScope[s], 0);
  const words = SCOPE_IDS.filter((s) => byScope[s] > 0)
    .map((s) => `${SCOPE_NAMES[s]} ${percent(shareOf(byScope[s], total))}`)
    .join(', ');
  const aria = total > 0 ? `${label}: ${words}` : `${label}: no tickets`;
  let x = 0;
  const segments = SCOPE_IDS.map((scope) => {
    const w = total > 0 ? (byScope[scope] / total) * width : 0;
    const x0 = x;
    x += w;
    if (w <= 0) return null;
    return html`<rect
      x="${round(x0)}"
      y="0"
      width="${round(w)}"
      height="${height}"
      fill="${SCOPE_COLORS[scope]}"
      ><title>
        ${SCOPE_NAMES[scope]}: ${byScope[scope]} (${percent(shareOf(byScope[scope], total))})
      </title></rect
    >`;
  });
  return html`<svg
    class="chart bar"
    width="${width}"
    height="${height}"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-label="${aria}"
  >
    <rect
      x="0"
      y="0"
      width="${width}"
      height="${height}"
      fill="#f4f4f4"
      stroke="#cccccc"
      stroke-width="1"
    ></rect>
    ${segments}
  </svg>`;
}

/** One value as a horizontal bar against `max`, in its scope's colour (the principal's category table). */
export function countBar(value: number, max: number, scope: ScopeId, label: string): SafeHtml {
  const width = 140;
  const height = 12;
  const w = max > 0 ? (value / max) * width : 0;
  return html`<svg
    class="chart count"
    width="${width}"
    height="${height}"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-label="${label}: ${value}"
  >
    <rect
      x="0"
      y="0"
      width="${round(Math.max(w, value > 0 ? 1 : 0))}"
      height="${height}"
      fill="${SCOPE_COLORS[scope]}"
    ></rect>
  </svg>`;
}

/** The colour key of the charts. */
export function scopeLegend(names: Readonly<Record<ScopeId, string>> = SCOPE_NAMES): SafeHtml {
  return html`<p class="legend">
    ${SCOPE_IDS.map(
      (s) =>
        html`<span class="key"
          ><svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
            <rect width="12" height="12" fill="${SCOPE_COLORS[s]}"></rect>
          </svg>
          ${names[s]}</span
        >`,
    )}
  </p>`;
}
