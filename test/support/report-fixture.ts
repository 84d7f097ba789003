import { loadConfig } from '../../src/config/index.js';
import { aggregateBounces, aggregateCounts, NO_SCHOOL, type SchoolCounts } from '../../src/counts/index.js';
import type { CategoryId } from '../../src/domain/index.js';
import { htmlReportInput, type HtmlReportInput } from '../../src/report/index.js';

const US = '\x1f';
const SCOPE: Record<CategoryId, string> = {
  hardware: 'in_scope',
  software_access: 'in_scope',
  telephone: 'out_of_scope',
  website: 'out_of_scope',
  office_development: 'out_of_scope',
  application_support: 'out_of_scope',
  gradebook_admin: 'restricted',
  unclassified: 'needs_review',
};

/** A school name that is markup if anyone forgets to escape it (school names are data from HEAT). */
export const HOSTILE_SCHOOL = `<script>alert("x")</script> O'Brien & "Annex" <img src=x>`;

/** Per-school counts as Redis would hold them: `{ school: { category: count } }`. */
export function countsOf(
  period: string,
  schools: Record<string, Partial<Record<CategoryId, number>>>,
): SchoolCounts[] {
  const entries: Array<[string, number]> = [];
  for (const [school, cats] of Object.entries(schools)) {
    for (const [category, n] of Object.entries(cats)) {
      entries.push([`${school}${US}${category}${US}${SCOPE[category as CategoryId]}`, n ?? 0]);
    }
  }
  return aggregateCounts(period, entries);
}

/** Three months of a small district, the last one current; the project's own routing.yaml names. */
export function reportFixture(): HtmlReportInput {
  const config = loadConfig({ dir: 'config', env: {} });
  const history = [
    {
      period: '2026-09',
      rows: countsOf('2026-09', {
        'Lincoln Elementary': { hardware: 10, software_access: 4, telephone: 2, unclassified: 1 },
        'Jefferson High School': { hardware: 6, website: 3, gradebook_admin: 2 },
      }),
    },
    {
      period: '2026-10',
      rows: countsOf('2026-10', {
        'Lincoln Elementary': { hardware: 12, software_access: 5, telephone: 1, office_development: 2 },
        'Jefferson High School': { hardware: 8, website: 4, application_support: 2, gradebook_admin: 1 },
        [HOSTILE_SCHOOL]: { hardware: 3, telephone: 1 },
      }),
    },
    {
      period: '2026-11',
      rows: countsOf('2026-11', {
        'Lincoln Elementary': {
          hardware: 14,
          software_access: 6,
          telephone: 3,
          office_development: 2,
          gradebook_admin: 1,
          unclassified: 2,
        },
        'Jefferson High School': { hardware: 7, software_access: 2, website: 5, application_support: 3 },
        'Washington Middle School': { hardware: 9, software_access: 3, application_support: 1 },
        [HOSTILE_SCHOOL]: { hardware: 2, office_development: 2, unclassified: 1 },
        [NO_SCHOOL]: { hardware: 2, unclassified: 1 },
      }),
    },
  ];
  // Routing figures of November: Washington Middle School had no ticket routed (no rate).
  const bounce = aggregateBounces('2026-11', [
    [`routed${US}Lincoln Elementary`, 8],
    [`override${US}Lincoln Elementary`, 1],
    [`routed${US}Jefferson High School`, 10],
    [`override${US}Jefferson High School`, 3],
    [`routed${US}${HOSTILE_SCHOOL}`, 2],
    [`routed${US}${NO_SCHOOL}`, 1],
    [`override${US}${NO_SCHOOL}`, 1],
  ]);
  return htmlReportInput(config, '2026-11', history, new Date('2026-11-18T15:00:00Z'), bounce);
}
