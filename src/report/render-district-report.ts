import { SCOPE_IDS, type CategoryId } from '../domain/index.js';
import { NO_SCHOOL, SCOPE_NAMES, type SchoolCounts } from '../counts/index.js';
import { html, type SafeHtml } from './html.js';
import { htmlPage } from './html-page.js';
import { localDateTime, periodLabel } from './period-label.js';
import {
  bounceRateText,
  categoriesOf,
  districtBounceOf,
  districtTotals,
  percent,
  reportRows,
  schoolBounce,
  shareOf,
  type DistrictTotals,
  type HtmlReportInput,
} from './report-model.js';
import { bounceRateNote, whereTheNumbersAre } from './report-text.js';
import { scopeColumnsChart, scopeLegend, scopeShareBar } from './svg-charts.js';

/** The periods of the history from the first one with tickets (the reported period always stays). */
export function periodsWithCounts(input: HtmlReportInput): DistrictTotals[] {
  const totals = input.history.map(districtTotals);
  const first = totals.findIndex((t) => t.total > 0);
  return first < 0 ? totals.slice(-1) : totals.slice(first);
}

function points(a: number, b: number): string {
  const diff = Math.round((a - b) * 1000) / 10;
  if (diff === 0) return 'the same as';
  return `${diff > 0 ? 'up' : 'down'} ${Math.abs(diff).toFixed(1)} points from`;
}

/** The district's trend in words, from the periods that have counts. */
export function trendSentence(months: readonly DistrictTotals[], input: HtmlReportInput): string {
  const withTickets = months.filter((m) => m.total > 0);
  const last = months[months.length - 1];
  if (!last || withTickets.length < 2) {
    return `Only ${periodLabel(input.period).long} has counts, so there is no trend to show yet (the router keeps about 13 months of counts).`;
  }
  const before = withTickets[withTickets.length - 2] ?? last;
  const lastShare = shareOf(last.byScope.out_of_scope, last.total);
  const beforeShare = shareOf(before.byScope.out_of_scope, before.total);
  const shares = withTickets.map((m) => shareOf(m.byScope.out_of_scope, m.total));
  const partial = input.period === input.currentPeriod ? ' (so far)' : '';
  return (
    `Out-of-scope share ${percent(lastShare)} in ${periodLabel(last.period).long}${partial}, ${points(lastShare, beforeShare)} ` +
    `${percent(beforeShare)} in ${periodLabel(before.period).long}; between ${percent(Math.min(...shares))} and ` +
    `${percent(Math.max(...shares))} over the ${withTickets.length} periods shown. Tickets: ${last.total} against ${before.total}.`
  );
}

function figure(value: string | number, what: string): SafeHtml {
  return html`<li class="figure"><span class="value">${value}</span><span class="what">${what}</span></li>`;
}

/** The district's bounce rate: overrides of the tickets routed by the router. */
function bounceFigure(input: HtmlReportInput): SafeHtml {
  const b = districtBounceOf(input);
  const value =
    b.bounceRate === null ? 'none routed' : `${percent(b.bounceRate)} (${b.overrides} of ${b.routed})`;
  return figure(value, 'bounce rate: routed tickets a person moved elsewhere');
}

function bounceCell(row: SchoolCounts, input: HtmlReportInput): SafeHtml {
  const b = schoolBounce(input, row.school);
  if (b.bounceRate === null) {
    return html`<td class="na">
      <a href="#bounce" title="the router routed none of these tickets">none routed</a>
    </td>`;
  }
  return html`<td title="${b.overrides} of ${b.routed} routed tickets moved elsewhere by a person">
    ${bounceRateText(b)} <span class="share">(${b.overrides} of ${b.routed})</span>
  </td>`;
}

function districtOverview(input: HtmlReportInput, months: DistrictTotals[]): SafeHtml {
  const now = months[months.length - 1] ?? districtTotals(input.history[input.history.length - 1]!);
  const name = (c: CategoryId) => input.categories[c].displayName;
  const chartCaption = `Tickets by scope per period, ${periodLabel(months[0]?.period ?? input.period).long} to ${periodLabel(input.period).long}`;
  return html`<section id="district">
    <h2>District overview</h2>
    <ul class="figures">
      ${[
        figure(now.total, 'tickets counted'),
        figure(now.schools, 'schools with tickets'),
        figure(
          `${now.byScope.in_scope} (${percent(shareOf(now.byScope.in_scope, now.total))})`,
          'in scope: technician work',
        ),
        figure(
          `${now.byScope.out_of_scope} (${percent(shareOf(now.byScope.out_of_scope, now.total))})`,
          'out of scope: other teams',
        ),
        figure(now.byScope.restricted, `restricted: ${name('gradebook_admin')}`),
        figure(now.byScope.needs_review, 'needs review by a person'),
        bounceFigure(input),
      ]}
    </ul>
    <figure>
      ${scopeColumnsChart(
        months.map((m) => ({ label: periodLabel(m.period).short, byScope: m.byScope })),
        chartCaption,
      )}
      <figcaption>${chartCaption}.</figcaption>
    </figure>
    ${scopeLegend()}
    <p class="trend">${trendSentence(months, input)}</p>
    <table class="months">
      <thead>
        <tr>
          <th>Period</th>
          <th>Tickets</th>
          ${SCOPE_IDS.map((s) => html`<th>${SCOPE_NAMES[s]}</th>`)}
          <th>Out-of-scope share</th>
        </tr>
      </thead>
      <tbody>
        ${months.map(
          (m) =>
            html`<tr>
              <td>${periodLabel(m.period).long}</td>
              <td>${m.total}</td>
              ${SCOPE_IDS.map((s) => html`<td>${m.byScope[s]}</td>`)}
              <td>${percent(shareOf(m.byScope.out_of_scope, m.total))}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function countWithShare(count: number, total: number): SafeHtml {
  return html`${count} <span class="share">(${percent(shareOf(count, total))})</span>`;
}

function schoolRow(row: SchoolCounts, input: HtmlReportInput): SafeHtml {
  const outCategories = categoriesOf('out_of_scope');
  const cls = row.hasSchool ? 'school-row' : 'no-school-row';
  return html`<tr class="${cls}">
    <th scope="row" class="left">${row.school}</th>
    <td>${row.total}</td>
    <td class="wrap">${countWithShare(row.byScope.in_scope, row.total)}</td>
    ${outCategories.map((c) => html`<td>${row.byCategory[c]}</td>`)}
    <td class="wrap">${countWithShare(row.byScope.out_of_scope, row.total)}</td>
    <td>${row.byScope.restricted}</td>
    <td>${row.byScope.needs_review}</td>
    ${bounceCell(row, input)}
    <td>${scopeShareBar(row.byScope, `${row.school}, ${periodLabel(input.period).long}`)}</td>
  </tr>`;
}

function schoolsTable(input: HtmlReportInput): SafeHtml {
  const rows = reportRows(input);
  const outCategories = categoriesOf('out_of_scope');
  const name = (c: CategoryId) => input.categories[c].displayName;
  const schools = rows.filter((r) => r.hasSchool).length;
  return html`<section id="schools">
    <h2>Schools</h2>
    <p>
      ${schools} schools with tickets in ${periodLabel(input.period).long}, the highest out-of-scope share
      first: the schools whose requests most often belong to another team. Counts are tickets; a share is of
      the school's own tickets.
    </p>
    ${scopeLegend()}
    <div class="scroll">
      <table class="schools">
        <thead>
          <tr>
            <th rowspan="2" scope="col">School</th>
            <th rowspan="2" scope="col">Tickets</th>
            <th rowspan="2" scope="col">In scope<br />(${name('hardware')}, ${name('software_access')})</th>
            <th colspan="${outCategories.length + 1}" class="group" scope="colgroup">
              Out of scope: belongs to other teams
            </th>
            <th rowspan="2" scope="col">Restricted<br />(${name('gradebook_admin')})</th>
            <th rowspan="2" scope="col">${name('unclassified')}</th>
            <th rowspan="2" scope="col">Bounce rate<br />(<a href="#bounce">note</a>)</th>
            <th rowspan="2" scope="col">Share by scope</th>
          </tr>
          <tr>
            ${outCategories.map((c) => html`<th scope="col">${name(c)}</th>`)}
            <th scope="col">All out of scope</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map((r) => schoolRow(r, input))}
        </tbody>
      </table>
    </div>
    <p class="note" id="bounce">${bounceRateNote(input)}</p>
    ${rows.some((r) => !r.hasSchool) ? html`<p>${NO_SCHOOL}: tickets that name no school. They are shown here and never written to a school record in HEAT.</p>` : null}
  </section>`;
}

function readingGuide(input: HtmlReportInput): SafeHtml {
  const name = (c: CategoryId) => input.categories[c].displayName;
  const outList = categoriesOf('out_of_scope')
    .map((c) => `${name(c)} (${input.categories[c].destination ?? input.techniciansTeam})`)
    .join(', ');
  return html`<section id="guide">
    <h2>How to read this report</h2>
    <dl>
      <dt>In scope</dt>
      <dd>
        Work the school-based technicians own: ${name('hardware')} and ${name('software_access')}. It stays
        with ${input.techniciansTeam}.
      </dd>
      <dt>Out of scope</dt>
      <dd>Work another team owns; the router moves it there: ${outList}.</dd>
      <dt>Restricted</dt>
      <dd>
        ${name('gradebook_admin')}: technicians never receive grading access; these tickets go to
        ${input.categories.gradebook_admin.destination ?? 'the gradebook team'}.
      </dd>
      <dt>Needs review</dt>
      <dd>
        Tickets the policy could not place with enough confidence; a person at
        ${input.categories.unclassified.destination ?? 'the service desk'} decides.
      </dd>
      <dt>Out-of-scope share</dt>
      <dd>Out-of-scope tickets divided by all of the school's tickets (all four scopes).</dd>
      <dt>Bounce rate</dt>
      <dd>
        Of the tickets the router routed, the share a person then moved somewhere else (an override). A high
        rate means the routing disagrees with the people who handle the tickets.
      </dd>
    </dl>
  </section>`;
}

/** The district report: overview, trend, one row per school with its chart. One self-contained page. */
export function renderDistrictReport(input: HtmlReportInput): string {
  const months = periodsWithCounts(input);
  const label = periodLabel(input.period).long;
  const body = html`<header>
      <h1>Technician use by school: ${label}</h1>
      <p class="meta">
        Generated ${localDateTime(input.generatedAt, input.timeZone)} from the router's per-school counts.
      </p>
      <p class="note">${whereTheNumbersAre(input)}</p>
    </header>
    ${districtOverview(input, months)} ${schoolsTable(input)} ${readingGuide(input)}
    <footer>
      heat-sbt-router report, ${input.period}. Tickets are counted in the period of their creation date in
      ${input.timeZone}, under their current classification.
    </footer>`;
  return htmlPage({ title: `Technician use by school: ${label}`, body, orientation: 'landscape' });
}
