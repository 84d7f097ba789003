import { describe, expect, it } from 'vitest';
import { formatRealFigures, type GroupFigures } from '../../../src/cli/commands/eval-real.js';
import { CATEGORY_IDS, type CategoryId } from '../../../src/domain/index.js';

function figures(): GroupFigures {
  const categories = Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0])) as Record<CategoryId, number>;
  Object.assign(categories, { hardware: 3300, software_access: 285, telephone: 65, gradebook_admin: 5 });
  Object.assign(categories, { application_support: 45, office_development: 20, unclassified: 365 });
  return {
    dataset: 'kaggle-it-service-tickets',
    group: 'Hardware',
    tickets: 4085,
    scopes: { in_scope: 3585, out_of_scope: 130, restricted: 5, needs_review: 365 },
    categories,
  };
}

describe('eval-real table', () => {
  it('prints out of scope and restricted with two decimals and their counts (0.12% must not read as 0.1%, 1.98% as 2.0%)', () => {
    const [header, row] = formatRealFigures([figures()]).split('\n');
    expect(header).toBe(
      'dataset / group                                    tickets  in scope  out of scope     restricted  needs review  top out-of-scope categories',
    );
    expect(row).toBe(
      'kaggle-it-service-tickets / Hardware                  4085     87.8%   3.18% (130)      0.12% (5)          8.9%  telephone 1.6%, application_support 1.1%, office_development 0.5%',
    );
  });
});
