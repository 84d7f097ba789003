import { describe, expect, it } from 'vitest';
import {
  aggregateCounts,
  countFieldValues,
  diffCounts,
  formatReport,
  NO_SCHOOL,
  type SchoolCounts,
} from '../../../src/counts/index.js';
import { serviceConfigSchema } from '../../../src/config/index.js';

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

describe('formatReport', () => {
  it('table: sorted by out-of-scope share, (no school) last with its note', () => {
    const text = formatReport(rows(), 'table');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('Period 2026-11: 3 schools, 20 tickets; sorted by out-of-scope share');
    expect(lines[1]).toMatch(
      /^School\s+Total\s+in_scope\s+out_of_scope\s+restricted\s+needs_review\s+Out share\s+hardware/,
    );
    const order = lines.slice(3, 7).map((l) => l.split(/\s{2,}/)[0]);
    expect(order).toEqual(['Jefferson High School', 'Lincoln Elementary', 'Smith, "Annex"', NO_SCHOOL]);
    expect(lines[3]).toMatch(/75\.0%/);
    expect(text).toContain('never written to HEAT');
    expect(formatReport([], 'table')).toBe('No tickets counted in this period.\n');
  });

  it('csv: one header, quoted cells, share as a fraction, a written_to_heat column', () => {
    const lines = formatReport(rows(), 'csv').split('\r\n');
    expect(lines[0]).toBe(
      'period,school,total,in_scope,out_of_scope,restricted,needs_review,out_of_scope_share,hardware,software_access,telephone,website,office_development,application_support,gradebook_admin,unclassified,written_to_heat',
    );
    expect(lines[1]).toBe('2026-11,Jefferson High School,4,1,3,0,0,0.75,0,1,0,3,0,0,0,0,true');
    expect(lines[3]).toBe('2026-11,"Smith, ""Annex""",2,2,0,0,0,0,2,0,0,0,0,0,0,0,true');
    expect(lines[4]).toMatch(/^2026-11,\(no school\),4,.*,false$/);
    expect(lines[5]).toBe('');
  });

  it('csv defuses cells a spreadsheet would run as a formula', () => {
    const evil = aggregateCounts('2026-11', [[`=HYPERLINK("x")${US}hardware${US}in_scope`, 1]]);
    expect(formatReport(evil, 'csv').split('\r\n')[1]).toMatch(/^2026-11,"'=HYPERLINK\(""x""\)",/);
  });

  it('json: the rows, sorted, with writtenToHeat', () => {
    const parsed = JSON.parse(formatReport(rows(), 'json')) as Array<
      SchoolCounts & { writtenToHeat: boolean }
    >;
    expect(parsed.map((r) => r.school)).toEqual([
      'Jefferson High School',
      'Lincoln Elementary',
      'Smith, "Annex"',
      NO_SCHOOL,
    ]);
    expect(parsed[3]?.writtenToHeat).toBe(false);
    expect(parsed[0]?.byCategory.website).toBe(3);
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
