import { CATEGORY_IDS, CATEGORY_SCOPES, type CategoryId } from '../domain/index.js';
import type { SchoolCounts } from '../counts/index.js';
import { html, type SafeHtml } from './html.js';
import { htmlPage } from './html-page.js';
import { localDateTime, periodLabel } from './period-label.js';
import {
  categoriesOf,
  districtTotals,
  median,
  percent,
  reportedPeriod,
  schoolBounce,
  schoolHistory,
  shareOf,
  type HtmlReportInput,
} from './report-model.js';
import { bounceRateNote, whereTheNumbersAre } from './report-text.js';
import { countBar, scopeColumnsChart, scopeLegend } from './svg-charts.js';

/** The scopes as a principal reads them. */
const PLAIN_SCOPE = {
  in_scope: 'Technician work',
  out_of_scope: "Other teams' work",
  restricted: 'Gradebook (restricted)',
  needs_review: 'Waiting for a person to sort',
} as const;

/** The school as the report names it: an exact match first, then one ignoring case and outer spaces. */
export function findSchool(rows: readonly SchoolCounts[], name: string): SchoolCounts | null {
  const exact = rows.find((r) => r.hasSchool && r.school === name);
  if (exact) return exact;
  const key = name.trim().toLowerCase();
  const loose = rows.filter((r) => r.hasSchool && r.school.trim().toLowerCase() === key);
  return loose.length === 1 ? (loose[0] ?? null) : null;
}

const requests = (n: number): string => `${n} ${n === 1 ? 'request' : 'requests'}`;

const wasWere = (n: number): string => (n === 1 || n === 0 ? 'was' : 'were');

function summary(row: SchoolCounts, input: HtmlReportInput): SafeHtml {
  const name = (c: CategoryId) => input.categories[c].displayName;
  const label = periodLabel(input.period).long;
  const out = categoriesOf('out_of_scope')
    .filter((c) => row.byCategory[c] > 0)
    .map(
      (c) =>
        `${row.byCategory[c]} ${name(c)}, handled by ${input.categories[c].destination ?? 'another team'}`,
    );
  const { in_scope: inScope, out_of_scope: outScope, restricted, needs_review: review } = row.byScope;
  const share = (n: number) => percent(shareOf(n, row.total));
  const gradebookTeam = input.categories.gradebook_admin.destination ?? 'the gradebook team';
  const reviewTeam = input.categories.unclassified.destination ?? 'the service desk';
  return html`<section id="summary">
    <h2>In short</h2>
    <p>In ${label}, staff at ${row.school} sent ${requests(row.total)} to the help desk.</p>
    <ul class="plain">
      <li>
        <strong>${inScope} (${share(inScope)}) ${wasWere(inScope)} technician work</strong>:
        ${name('hardware').toLowerCase()} and ${name('software_access').toLowerCase()}. This is the work the
        school-based technician is there for.
      </li>
      ${
        outScope > 0
          ? html`<li>
              <strong>${outScope} (${share(outScope)}) ${wasWere(outScope)} work that other teams own</strong
              >: ${out.join('; ')}. The router passed them to those teams; they are not technician work.
            </li>`
          : html`<li><strong>None</strong> ${wasWere(0)} work that belongs to other teams.</li>`
      }
      ${
        restricted > 0
          ? html`<li>
              <strong>${restricted} ${wasWere(restricted)} ${name('gradebook_admin').toLowerCase()}</strong>.
              Gradebook work is restricted: technicians never receive grading access, so
              ${restricted === 1 ? 'it' : 'these'} went to ${gradebookTeam}.
            </li>`
          : html`<li>
              <strong>None</strong> ${wasWere(0)} ${name('gradebook_admin').toLowerCase()} (restricted work
              that goes to ${gradebookTeam}, never to technicians).
            </li>`
      }
      ${
        review > 0
          ? html`<li>
              <strong>${review} could not be sorted automatically</strong> and waited for a person at
              ${reviewTeam} to decide where ${review === 1 ? 'it belongs' : 'they belong'}.
            </li>`
          : html`<li><strong>None</strong> needed a person to sort ${review === 1 ? 'it' : 'them'}.</li>`
      }
    </ul>
  </section>`;
}

function comparedWithDistrict(share: number, districtShare: number): string {
  const diff = (share - districtShare) * 100;
  if (Math.abs(diff) < 5) return 'about the same share of such work as';
  return diff > 0 ? 'a larger share of such work than' : 'a smaller share of such work than';
}

/** A median in words: whole numbers as they are, halves as "about" the rounded value. */
function aboutCount(value: number | null): string {
  if (value === null) return '0';
  return Number.isInteger(value) ? String(value) : `about ${Math.round(value)}`;
}

function allocation(row: SchoolCounts, input: HtmlReportInput): SafeHtml {
  const period = reportedPeriod(input);
  const district = districtTotals(period);
  const schools = period.rows.filter((r) => r.hasSchool && r.total > 0);
  const outShare = shareOf(row.byScope.out_of_scope, row.total);
  const districtOut = shareOf(district.byScope.out_of_scope, district.total);
  const medianIn = median(schools.map((r) => r.byScope.in_scope));
  const rank =
    [...schools]
      .sort((a, b) => b.byScope.in_scope - a.byScope.in_scope)
      .findIndex((r) => r.school === row.school) + 1;
  const advice =
    outShare - districtOut >= 0.05
      ? html`<p>
          Sending these requests straight to the team that owns them (listed below) gets them answered sooner,
          and leaves the technician's time for hardware and software.
        </p>`
      : null;
  return html`<section id="allocation">
    <h2>What this means for the technician allocation</h2>
    <p>
      The technician work is the part of these numbers that shows how much ${row.school} uses its technician:
      ${requests(row.byScope.in_scope)} in ${periodLabel(input.period).long}. A typical school (the median of
      the ${schools.length} schools with tickets) had ${aboutCount(medianIn)}; ${row.school} is number ${rank}
      of ${schools.length} by technician work.
    </p>
    <p>
      Work that belongs to other teams does not add to the technician's workload once it is moved, so it is
      not a reason for more technician time. ${row.school} sends
      ${comparedWithDistrict(outShare, districtOut)} the district as a whole: ${percent(outShare)} of its
      requests, against ${percent(districtOut)} across the district.
    </p>
    ${advice}
    <p>${bounceSentence(row, input)}</p>
    <p class="note" id="bounce">${bounceRateNote(input)}</p>
  </section>`;
}

/** The school's bounce rate in plain words. */
function bounceSentence(row: SchoolCounts, input: HtmlReportInput): string {
  const b = schoolBounce(input, row.school);
  const when = periodLabel(input.period).long;
  if (b.bounceRate === null)
    return `In ${when} the router routed none of ${row.school}'s requests, so there is no bounce rate.`;
  const moved = b.overrides === 1 ? '1 was' : `${b.overrides} were`;
  const routed = b.routed === 1 ? 'the 1 request' : `the ${b.routed} requests`;
  return (
    `Of ${routed} the router sent to a team in ${when}, ${moved} then moved elsewhere by a ` +
    `person: a bounce rate of ${percent(b.bounceRate)}.`
  );
}

function categoryTable(row: SchoolCounts, input: HtmlReportInput): SafeHtml {
  const max = Math.max(0, ...CATEGORY_IDS.map((c) => row.byCategory[c]));
  return html`<section id="numbers">
    <h2>The numbers</h2>
    <table class="categories">
      <thead>
        <tr>
          <th scope="col">Kind of request</th>
          <th scope="col" class="left">What it is</th>
          <th scope="col" class="left">Who handles it</th>
          <th scope="col">Requests</th>
          <th scope="col">Share</th>
          <th scope="col" class="left">Chart</th>
        </tr>
      </thead>
      <tbody>
        ${CATEGORY_IDS.map((c) => {
          const scope = CATEGORY_SCOPES[c];
          return html`<tr class="category-row">
            <th scope="row" class="left">${input.categories[c].displayName}</th>
            <td class="left">${PLAIN_SCOPE[scope]}</td>
            <td class="left">${input.categories[c].destination ?? input.techniciansTeam}</td>
            <td>${row.byCategory[c]}</td>
            <td>${percent(shareOf(row.byCategory[c], row.total))}</td>
            <td class="left">${countBar(row.byCategory[c], max, scope, input.categories[c].displayName)}</td>
          </tr>`;
        })}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" class="left">All requests</th>
          <td></td>
          <td></td>
          <td>${row.total}</td>
          <td>${percent(row.total > 0 ? 1 : 0)}</td>
          <td></td>
        </tr>
      </tfoot>
    </table>
  </section>`;
}

function trend(row: SchoolCounts, input: HtmlReportInput): SafeHtml {
  const history = schoolHistory(input, row.school);
  const first = history.findIndex((r) => r !== null && r.total > 0);
  const shown = input.history.slice(first < 0 ? -1 : first);
  const rows = history.slice(first < 0 ? -1 : first);
  const caption = `${row.school}: requests by kind per period`;
  const months = shown.length;
  return html`<section id="trend">
    <h2>Month by month</h2>
    ${months < 2 ? html`<p>Only ${periodLabel(input.period).long} has counts for ${row.school} so far; the chart grows as months pass (about 13 months are kept).</p>` : null}
    <figure>
      ${scopeColumnsChart(
        shown.map((p, i) => ({
          label: periodLabel(p.period).short,
          byScope: rows[i]?.byScope ?? { in_scope: 0, out_of_scope: 0, restricted: 0, needs_review: 0 },
        })),
        caption,
      )}
      <figcaption>${caption}.</figcaption>
    </figure>
    ${scopeLegend(PLAIN_SCOPE)}
  </section>`;
}

/** A page for one school's principal: plain words, display names, what the numbers mean. */
export function renderSchoolReport(input: HtmlReportInput, school: SchoolCounts): string {
  const label = periodLabel(input.period).long;
  const body = html`<header>
      <h1>${school.school}: how the school uses its technician</h1>
      <p class="meta">
        ${label}. Prepared ${localDateTime(input.generatedAt, input.timeZone)} by ITS from the help desk's
        counts.
      </p>
      <p class="note">${whereTheNumbersAre(input)}</p>
    </header>
    ${summary(school, input)} ${allocation(school, input)} ${categoryTable(school, input)}
    ${trend(school, input)}
    <footer>
      Each request is counted once, in the month it was created, under its current classification.
    </footer>`;
  return htmlPage({ title: `${school.school}: technician use, ${label}`, body, orientation: 'portrait' });
}
