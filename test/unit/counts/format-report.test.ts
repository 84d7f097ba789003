import { describe, expect, it } from 'vitest';
import {
  aggregateBounces,
  aggregateCounts,
  bounceRateOf,
  countFieldValues,
  diffCounts,
  formatReport,
  NO_SCHOOL,
  type SchoolCounts,
} from '../../../src/counts/index.js';
import { loadConfig, serviceConfigSchema } from '../../../src/config/index.js';
import { CATEGORY_IDS } from '../../../src/domain/index.js';

const US = '\x1f';

function rows(): SchoolCounts[] {
  return aggregateCounts('2026-11', [
    [`Lincoln Elementary${US}hardware${US}in_scope`, 6],
    [`Lincoln Elementary${US}telephone${US}out_of_scope`, 2],
    [`Lincoln Elementary${US}gradebook_admin${US}restricted`, 1],
    [`Lincoln Elementary${US}unclassified${US}needs_review`, 1],
    [`Jefferson High School${US}website${US}out_of_scope`, 3],
    [`Jefferson High School${US}software_access${US}in_scope`, 1],
    [`Smith, "Annex"${US}hardware${US}in_scope`, 2],
    [`${NO_SCHOOL}${US}hardware${US}in_scope`, 4],
    [`Broken${US}not_a_category${US}in_scope`, 9],
  ]);
}

describe('aggregateCounts', () => {
  it('sums scopes and categories per school and computes the out-of-scope share of all tickets', () => {
    const lincoln = rows().find((r) => r.school === 'Lincoln Elementary');
    expect(lincoln).toMatchObject({
      total: 10,
      byScope: { in_scope: 6, out_of_scope: 2, restricted: 1, needs_review: 1 },
      outOfScopeShare: 0.2,
      hasSchool: true,
    });
    expect(lincoln?.byCategory.telephone).toBe(2);
    expect(rows().find((r) => r.school === 'Jefferson High School')?.outOfScopeShare).toBe(0.75);
    expect(rows().map((r) => r.school)).not.toContain('Broken');
  });
});

/** Routing figures as Redis holds them: Jefferson 1 override of 4 routed, Smith 0 of 2, Lincoln none routed. */
const BOUNCE = aggregateBounces('2026-11', [
  [`routed${US}Jefferson High School`, 4],
  [`override${US}Jefferson High School`, 1],
  [`routed${US}Smith, "Annex"`, 2],
  [`routed${US}${NO_SCHOOL}`, 3],
  [`override${US}${NO_SCHOOL}`, 3],
  [`bogus${US}Lincoln Elementary`, 5],
]);
const CURRENT = { currentPeriod: '2026-11', bounce: BOUNCE };
const NAMES = loadConfig({ dir: 'config', env: {} }).routing.categories;
const DISPLAY = {
  ...CURRENT,
  categoryNames: Object.fromEntries(CATEGORY_IDS.map((c) => [c, NAMES[c].displayName])),
};

describe('aggregateBounces / bounceRateOf', () => {
  it('sums routed and overrides per school; the rate is overrides / routed, none without a routed ticket', () => {
    expect(BOUNCE).toEqual([
      { period: '2026-11', school: NO_SCHOOL, routed: 3, overrides: 3, bounceRate: 1 },
      { period: '2026-11', school: 'Jefferson High School', routed: 4, overrides: 1, bounceRate: 0.25 },
      { period: '2026-11', school: 'Smith, "Annex"', routed: 2, overrides: 0, bounceRate: 0 },
    ]);
    expect(bounceRateOf(1, 3)).toBe(0.3333);
    expect(bounceRateOf(0, 0)).toBe(null);
  });
});

describe('formatReport', () => {
  it("table: routing.yaml's display names as headers (wrapped), by out-of-scope share, (no school) last", () => {
    const text = formatReport(rows(), 'table', DISPLAY);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('Period 2026-11: 3 schools, 20 tickets; sorted by out-of-scope share');
    // Long display names wrap onto header lines above; every header ends on the line above the rule.
    const rule = lines.findIndex((l) => /^-+( +-+)+$/.test(l));
    expect(rule).toBe(6);
    const header = lines.slice(1, rule);
    expect(header[header.length - 1]).toMatch(
      /^School\s+Total\s+In scope\s+Out of scope\s+Restricted\s+Needs review\s+share\s+Bounce rate\s+Hardware\s+access\s+system\s+site\s+presentations\)\s+support\s+administration\s+Needs review$/,
    );
    expect(header[header.length - 2]).toMatch(
      /^\s+Out-of-scope\s+Software\s+Telephone\s+School web\s+spreadsheets,\s+Application\s+Gradebook$/,
    );
    expect(header.join(' ')).toMatch(
      /Office\s.*development\s.*\(databases,\s.*spreadsheets,\s.*presentations\)/,
    );
    expect(text).not.toMatch(
      /\b(software_access|office_development|gradebook_admin|in_scope|needs_review)\b/,
    );
    const order = lines.slice(rule + 1, rule + 5).map((l) => l.split(/\s{2,}/)[0]);
    expect(order).toEqual(['Jefferson High School', 'Lincoln Elementary', 'Smith, "Annex"', NO_SCHOOL]);
    expect(lines[rule + 1]).toMatch(
      /^Jefferson High School\s+4\s+1\s+3\s+0\s+0\s+75\.0%\s+25\.0% \(1 of 4\)\s+0\s+1\s+0\s+3\s+0\s+0\s+0\s+0$/,
    );
    // every number sits under the last line of its header: same right edge
    const edges = (l: string) => [...l.matchAll(/\S+(?= {2}|$)/g)].map((m) => (m.index ?? 0) + m[0].length);
    expect(edges(lines[rule + 1] ?? '').slice(1)).toEqual(edges(lines[rule - 1] ?? '').slice(-15));
    // Lincoln: the router routed none of its tickets, so there is no rate (not 0%).
    expect(lines[rule + 2]).toMatch(/^Lincoln Elementary\s+10\s+6\s+2\s+1\s+1\s+20\.0%\s+-\s+6\s/);
    expect(lines[rule + 3]).toMatch(/^Smith, "Annex"\s+2\s+2\s+0\s+0\s+0\s+0\.0%\s+0\.0% \(0 of 2\)\s/);
    expect(text).toContain(
      'Bounce rate: of the tickets the router routed, the share a person then moved elsewhere (overrides / routed; "-": none routed).',
    );
    expect(text).toContain('never written to HEAT');
    expect(text).not.toContain("HEAT's school records show");
    expect(formatReport([], 'table', CURRENT)).toBe('No tickets counted in this period.\n');
  });

  it('table: ids where no display name is given; a past period says HEAT shows another', () => {
    const text = formatReport(rows(), 'table', { currentPeriod: '2026-12' });
    expect(text).toMatch(/\bhardware\s+software_access\s+telephone/);
    expect(text).toContain(
      "HEAT's school records show 2026-12 only; these 2026-11 numbers are in Redis, not on the records.",
    );
  });

  it('csv: one header, quoted cells, share as a fraction, written_to_heat, then the bounce columns', () => {
    const lines = formatReport(rows(), 'csv', DISPLAY).split('\r\n');
    expect(lines[0]).toBe(
      'period,school,total,in_scope,out_of_scope,restricted,needs_review,out_of_scope_share,hardware,software_access,telephone,website,office_development,application_support,gradebook_admin,unclassified,written_to_heat,routed_by_us,overrides,bounce_rate',
    );
    expect(lines[1]).toBe('2026-11,Jefferson High School,4,1,3,0,0,0.75,0,1,0,3,0,0,0,0,true,4,1,0.25');
    // No ticket routed: the rate is empty (unknown), not 0.
    expect(lines[2]).toBe('2026-11,Lincoln Elementary,10,6,2,1,1,0.2,6,0,2,0,0,0,1,1,true,0,0,');
    expect(lines[3]).toBe('2026-11,"Smith, ""Annex""",2,2,0,0,0,0,2,0,0,0,0,0,0,0,true,2,0,0');
    expect(lines[4]).toBe('2026-11,(no school),4,4,0,0,0,0,4,0,0,0,0,0,0,0,false,3,3,1');
    expect(lines[5]).toBe('');
  });

  it('csv and json: written_to_heat only for the current period (school records hold only that one)', () => {
    const past = formatReport(rows(), 'csv', { currentPeriod: '2026-12' }).split('\r\n');
    expect(past.slice(1, 5).map((l) => l.split(',').at(-4))).toEqual(['false', 'false', 'false', 'false']);
    const json = JSON.parse(formatReport(rows(), 'json', { currentPeriod: '2026-12' })) as Array<{
      writtenToHeat: boolean;
    }>;
    expect(json.map((r) => r.writtenToHeat)).toEqual([false, false, false, false]);
  });

  it('csv defuses cells a spreadsheet would run as a formula', () => {
    const evil = aggregateCounts('2026-11', [[`=HYPERLINK("x")${US}hardware${US}in_scope`, 1]]);
    expect(formatReport(evil, 'csv', CURRENT).split('\r\n')[1]).toMatch(/^2026-11,"'=HYPERLINK\(""x""\)",/);
  });

  it('json: the rows, sorted, with writtenToHeat', () => {
    const parsed = JSON.parse(formatReport(rows(), 'json', CURRENT)) as Array<
      SchoolCounts & {
        writtenToHeat: boolean;
        routedByUs: number;
        overrides: number;
        bounceRate: number | null;
      }
    >;
    expect(parsed.map((r) => r.school)).toEqual([
      'Jefferson High School',
      'Lincoln Elementary',
      'Smith, "Annex"',
      NO_SCHOOL,
    ]);
    expect(parsed.map((r) => r.writtenToHeat)).toEqual([true, true, true, false]);
    expect(parsed[0]?.byCategory.website).toBe(3);
    expect(parsed.map((r) => [r.routedByUs, r.overrides, r.bounceRate])).toEqual([
      [4, 1, 0.25],
      [0, 0, null],
      [2, 0, 0],
      [3, 3, 1],
    ]);
  });
});

describe('countFieldValues', () => {
  it('maps counts to the configured school-record fields', () => {
    const fields = serviceConfigSchema.parse({
      counts: { fields: { inScope: 'X_In', categories: { telephone: 'X_Phones' } } },
    }).counts.fields;
    const lincoln = rows().find((r) => r.school === 'Lincoln Elementary') as SchoolCounts;
    expect(countFieldValues(lincoln, fields)).toEqual({
      X_In: 6,
      SBT_OutOfScopeCount: 2,
      SBT_RestrictedCount: 1,
      SBT_ReviewCount: 1,
      SBT_Count_hardware: 6,
      SBT_Count_software_access: 0,
      X_Phones: 2,
      SBT_Count_website: 0,
      SBT_Count_office_development: 0,
      SBT_Count_application_support: 0,
      SBT_Count_gradebook_admin: 1,
      SBT_Count_unclassified: 1,
      SBT_OutOfScopeShare: 0.2,
      SBT_CountPeriod: '2026-11',
    });
  });
});

describe('diffCounts', () => {
  it('lists every column that changed, per school', () => {
    const after = rows();
    const before = aggregateCounts('2026-11', [[`Lincoln Elementary${US}hardware${US}in_scope`, 5]]);
    const diff = diffCounts(before, after);
    expect(diff).toContainEqual({ school: 'Lincoln Elementary', column: 'hardware', before: 5, after: 6 });
    expect(diff).toContainEqual({ school: 'Jefferson High School', column: 'total', before: 0, after: 4 });
    expect(diffCounts(after, rows())).toEqual([]);
  });
});
