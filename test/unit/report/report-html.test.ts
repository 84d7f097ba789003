import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  findSchool,
  niceStep,
  periodLabel,
  renderDistrictReport,
  renderSchoolReport,
  reportHistoryPeriods,
  trendSentence,
  periodsWithCounts,
  type HtmlReportInput,
} from '../../../src/report/index.js';
import { countsOf, HOSTILE_SCHOOL, reportFixture } from '../../support/report-fixture.js';

const COUNTS = { period: 'month', schoolYearStartMonth: 8, timeZone: 'America/Chicago' } as const;

/** The page's visible text: tags dropped, entities decoded (enough for our own output). */
function textOf(page: string): string {
  return page
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<title>[\s\S]*?<\/title>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .replace(/ ([:.,;)])/g, '$1');
}

const count = (text: string, pattern: RegExp): number => (text.match(pattern) ?? []).length;

/** The markup with whitespace between and inside tags dropped (the source is formatted by prettier). */
const squash = (page: string): string =>
  page
    .replace(/\s+/g, ' ')
    .replace(/ ?([<>]) ?/g, '$1')
    .replace(/ \/>/g, '/>');

function school(input: HtmlReportInput, name: string) {
  const row = findSchool(input.history[input.history.length - 1]?.rows ?? [], name);
  if (!row) throw new Error(`no ${name} in the fixture`);
  return row;
}

describe('the district HTML report', () => {
  const input = reportFixture();
  const page = squash(renderDistrictReport(input));

  it('is one self-contained file: no script, no request of any kind, a CSP that forbids them', () => {
    expect(page.startsWith('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>')).toBe(true);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY.replace(/'/g, '&#39;')}"/>`,
    );
    expect(CONTENT_SECURITY_POLICY).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(count(page, /<script/gi)).toBe(0);
    // no src attribute on any element (attribute values, where a school name may say "src=", dropped)
    expect(count(page.replace(/"[^"]*"/g, '""'), /<[a-z][^>]*\ssrc=/gi)).toBe(0);
    expect(count(page, /url\(|@import|https?:\/\//gi)).toBe(0);
    const hrefs = [...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    // The header's note link and the one school without a routed ticket.
    expect(hrefs.length).toBe(2);
    expect(hrefs.every((h) => h === '#bounce')).toBe(true);
    expect(page).toMatch(/@media print \{/);
    expect(page).toContain('@page { size: A4 landscape; margin: 12mm; }');
  });

  it('escapes school names everywhere (text, SVG titles, attributes)', () => {
    expect(page).not.toContain(HOSTILE_SCHOOL);
    expect(page).not.toContain('<img');
    const escaped =
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; &quot;Annex&quot; &lt;img src=x&gt;';
    // the row header and the bar's aria-label
    expect(count(page, new RegExp(escaped.replace(/[()]/g, '\\$&'), 'g'))).toBe(2);
    expect(textOf(page)).toContain(HOSTILE_SCHOOL);
  });

  it('has a row and a chart per school, (no school) last, by out-of-scope share', () => {
    const rows = [
      ...page.matchAll(/<tr class="(school-row|no-school-row)"><th scope="row" class="left">([^<]*)</g),
    ];
    expect(rows.map((m) => m[2])).toEqual([
      'Jefferson High School',
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; &quot;Annex&quot; &lt;img src=x&gt;',
      'Lincoln Elementary',
      'Washington Middle School',
      '(no school)',
    ]);
    expect(rows.map((m) => m[1])).toEqual([
      'school-row',
      'school-row',
      'school-row',
      'school-row',
      'no-school-row',
    ]);
    // one column chart for the district, one bar per row
    expect(count(page, /<svg class="chart columns"/g)).toBe(1);
    expect(count(page, /<svg class="chart bar"/g)).toBe(5);
    expect(page).toContain(
      'aria-label="Lincoln Elementary, November 2026: In scope 71.4%, Out of scope 17.9%, Restricted 3.6%, Needs review 7.1%"',
    );
  });

  it("uses routing.yaml's display names, never category ids, in what people read", () => {
    const text = textOf(page);
    for (const name of [
      'Telephone system',
      'School web site',
      'Office development (databases, spreadsheets, presentations)',
      'Application support',
      'Restricted (Gradebook administration)',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).not.toMatch(
      /\b(hardware|software_access|telephone|website|office_development|application_support|gradebook_admin|unclassified|in_scope|out_of_scope|needs_review)\b/,
    );
  });

  it('shows the district figures, the months and the trend', () => {
    const text = textOf(page);
    expect(text).toContain('66 tickets counted');
    expect(text).toContain('45 (68.2%) in scope: technician work');
    expect(text).toContain('16 (24.2%) out of scope: other teams');
    expect(text).toContain('September 2026 28 20 5 2 1 17.9%');
    expect(text).toContain('October 2026 39 28 10 1 0 25.6%');
    expect(text).toContain('November 2026 66 45 16 1 4 24.2%');
    expect(trendSentence(periodsWithCounts(input), input)).toBe(
      'Out-of-scope share 24.2% in November 2026 (so far), down 1.4 points from 25.6% in October 2026; between 17.9% and 25.6% over the 3 periods shown. Tickets: 66 against 39.',
    );
    expect(page).toContain('<text x="464" y="48.5" text-anchor="middle" class="total">66</text>');
  });

  it('shows the bounce rate per school (overrides / tickets routed) and for the district', () => {
    const text = textOf(page);
    expect(text).not.toContain('not available');
    expect(text).toContain(
      'Bounce rate: how often a person moved a ticket away from where the router sent it, as a share of the tickets the router routed (overrides / tickets routed by the router).',
    );
    expect(text).toContain('the SBT_Override field');
    // District: 5 overrides of 21 routed tickets.
    expect(text).toContain('23.8% (5 of 21) bounce rate: routed tickets a person moved elsewhere');
    expect(page).toContain(
      '<td title="1 of 8 routed tickets moved elsewhere by a person">12.5%<span class="share">(1 of 8)</span></td>',
    );
    expect(page).toContain(
      '<td title="3 of 10 routed tickets moved elsewhere by a person">30.0%<span class="share">(3 of 10)</span></td>',
    );
    expect(page).toContain(
      '<td title="0 of 2 routed tickets moved elsewhere by a person">0.0%<span class="share">(0 of 2)</span></td>',
    );
    expect(page).toContain(
      '<td title="1 of 1 routed tickets moved elsewhere by a person">100.0%<span class="share">(1 of 1)</span></td>',
    );
    expect(count(page, /title="the router routed none of these tickets">none routed</g)).toBe(1);
  });

  it('without routing figures every school says none routed', () => {
    const bare = squash(renderDistrictReport({ ...input, bounce: [] }));
    expect(count(bare, /title="the router routed none of these tickets">none routed</g)).toBe(5);
    expect(textOf(bare)).toContain('none routed bounce rate: routed tickets a person moved elsewhere');
  });

  it('for a past period says that HEAT shows only the current one; one period has no trend', () => {
    const past = { ...input, currentPeriod: '2026-12' };
    expect(textOf(renderDistrictReport(past))).toContain(
      "HEAT's school records show the current period (December 2026) only; these November 2026 numbers come from the router's own counts.",
    );
    const single = { ...input, history: input.history.slice(-1) };
    expect(trendSentence(periodsWithCounts(single), single)).toBe(
      'Only November 2026 has counts, so there is no trend to show yet (the router keeps about 13 months of counts).',
    );
    expect(() => renderDistrictReport({ ...input, period: '2026-12' })).toThrow(
      /history must end with the reported period 2026-12 \(got 2026-11\)/,
    );
  });

  it('an empty period still renders: zeros, no school rows', () => {
    const empty = { ...input, history: [{ period: '2026-11', rows: [] }] };
    const text = textOf(renderDistrictReport(empty));
    expect(text).toContain('Only November 2026 has counts');
    expect(text).toContain('0 tickets counted');
    expect(text).toContain('0 schools with tickets in November 2026');
    expect(count(renderDistrictReport(empty), /class="school-row"/g)).toBe(0);
  });
});

describe("a school's page for its principal", () => {
  const input = reportFixture();

  it('says what the numbers are and what they mean, in plain words', () => {
    const text = textOf(renderSchoolReport(input, school(input, 'Lincoln Elementary')));
    expect(text).toContain('Lincoln Elementary: how the school uses its technician');
    expect(text).toContain(
      'In November 2026, staff at Lincoln Elementary sent 28 requests to the help desk.',
    );
    expect(text).toContain('20 (71.4%) were technician work: hardware and software access.');
    expect(text).toContain(
      '5 (17.9%) were work that other teams own: 3 Telephone system, handled by Telecommunications; 2 Office development (databases, spreadsheets, presentations), handled by School Administration.',
    );
    expect(text).toContain(
      '1 was gradebook administration. Gradebook work is restricted: technicians never receive grading access, so it went to Gradebook Managers.',
    );
    expect(text).toContain(
      '2 could not be sorted automatically and waited for a person at ITS Service Desk to decide where they belong.',
    );
    expect(text).toContain(
      'A typical school (the median of the 4 schools with tickets) had about 11; Lincoln Elementary is number 1 of 4 by technician work.',
    );
    expect(text).toContain(
      'Lincoln Elementary sends a smaller share of such work than the district as a whole: 17.9% of its requests, against 24.2% across the district.',
    );
    expect(text).toContain(
      'Of the 8 requests the router sent to a team in November 2026, 1 was then moved elsewhere by a person: a bounce rate of 12.5%.',
    );
    expect(text).not.toContain('not available');
    const washington = textOf(renderSchoolReport(input, school(input, 'Washington Middle School')));
    expect(washington).toContain(
      "In November 2026 the router routed none of Washington Middle School's requests, so there is no bounce rate.",
    );
    expect(text).not.toMatch(/\b(office_development|gradebook_admin|unclassified|out_of_scope)\b/);
  });

  it('has the category table, a trend chart, escapes the name and prints portrait', () => {
    const page = squash(renderSchoolReport(input, school(input, HOSTILE_SCHOOL)));
    expect(count(page, /<tr class="category-row">/g)).toBe(8);
    expect(count(page, /<svg class="chart count"/g)).toBe(8);
    expect(count(page, /<svg class="chart columns"/g)).toBe(1);
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).toContain(
      '<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; &quot;Annex&quot; &lt;img src=x&gt;: technician use, November 2026</title>',
    );
    expect(page).toContain('@page { size: A4 portrait; margin: 12mm; }');
    // the school had tickets in October and November only: two columns
    expect(count(page, /<g class="column">/g)).toBe(2);
    expect(textOf(page)).toContain(
      'None was gradebook administration (restricted work that goes to Gradebook Managers, never to technicians).',
    );
    expect(textOf(page)).toContain(
      'sends a larger share of such work than the district as a whole: 40.0% of its requests, against 24.2%',
    );
  });
});

describe('report helpers', () => {
  it('findSchool: exact name first, then one that differs only in case or outer spaces', () => {
    const rows = countsOf('2026-11', {
      'Lincoln Elementary': { hardware: 1 },
      'LINCOLN ELEMENTARY': { hardware: 2 },
      'Oak Park': { hardware: 1 },
    });
    expect(findSchool(rows, 'LINCOLN ELEMENTARY')?.total).toBe(2);
    expect(findSchool(rows, 'lincoln elementary')).toBe(null);
    expect(findSchool(rows, ' oak park ')?.school).toBe('Oak Park');
    expect(findSchool(rows, '(no school)')).toBe(null);
  });

  it('periodLabel and niceStep', () => {
    expect(periodLabel('2026-11')).toEqual({ long: 'November 2026', short: 'Nov 2026' });
    expect(periodLabel('SY2026-27')).toEqual({ long: 'school year 2026-27', short: '2026-27' });
    expect([0, 3, 66, 250, 1234].map((n) => niceStep(n))).toEqual([1, 1, 20, 100, 500]);
  });

  it('reportHistoryPeriods: the periods Redis still keeps, oldest first, ending with the one reported', () => {
    const periods = reportHistoryPeriods('2026-11', COUNTS, new Date('2026-11-18T15:00:00Z'));
    // 2025-09 ended on 2025-10-01 (Chicago): its keys expired 400 days later, on 2026-11-05.
    expect(periods[0]).toBe('2025-10');
    expect(periods.length).toBe(14);
    expect(periods[periods.length - 1]).toBe('2026-11');
    expect(reportHistoryPeriods('2025-01', COUNTS, new Date('2026-11-18T15:00:00Z'))).toEqual(['2025-01']);
    const years = { ...COUNTS, period: 'school_year' } as const;
    expect(reportHistoryPeriods('SY2026-27', years, new Date('2026-11-18T15:00:00Z'))).toEqual([
      'SY2025-26',
      'SY2026-27',
    ]);
  });
});
