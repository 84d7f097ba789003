import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { compilePolicy, evaluateCorpus, type LabelledTicket } from '../../../src/classify/index.js';
import { readJsonl } from '../../support/jsonl.js';

// The project's labelled corpus (test/fixtures/README.md): invented tickets, hand-labelled.
const corpus = readJsonl<LabelledTicket>('test/fixtures/labelled-tickets.jsonl');

describe('the default policy on the labelled corpus (issue 3 thresholds)', () => {
  const cfg = loadConfig({ dir: 'config', env: {} });
  const policy = compilePolicy(cfg.routing, cfg.policyVersion, { file: 'config/routing.yaml' });
  const report = evaluateCorpus(corpus, policy);
  const gradebook = report.perCategory.find((c) => c.category === 'gradebook_admin')!;

  it('prints the figures', () => {
    const pct = (n: number | null): string => (n === null ? 'n/a' : `${(n * 100).toFixed(1)}%`);
    console.log(
      [
        `corpus: ${report.total} tickets, accuracy ${pct(report.accuracy)} (${report.correct}/${report.total})`,
        `restricted recall ${pct(report.restrictedRecall)} (${report.restrictedSupport}), precision ${pct(report.restrictedPrecision)} (${report.restrictedPredicted})`,
        ...report.perCategory.map(
          (c) =>
            `  ${c.category.padEnd(20)} precision ${pct(c.precision).padStart(6)} recall ${pct(c.recall).padStart(6)} (n=${c.support})`,
        ),
        ...report.misses.map(
          (m) =>
            `  miss #${m.index + 1} ${String(m.incidentNumber)}: expected ${m.expect.join('|')}, got ${m.got} (${m.ruleId})`,
        ),
      ].join('\n'),
    );
    // Every line of the fixture is scored once: 322 tickets, each either correct or listed as a miss.
    expect(report.total).toBe(322);
    expect(report.correct + report.misses.length).toBe(322);
  });

  it('reaches at least 95% category accuracy', () => {
    expect(report.total).toBeGreaterThan(100);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('never leaves a grading request with a technician (restricted recall 100%)', () => {
    expect(report.restrictedSupport).toBeGreaterThan(0);
    expect(report.restrictedRecall).toBe(1);
    expect(gradebook.recall).toBe(1);
  });

  it('flags at least 95% precision on gradebook_admin', () => {
    expect(report.restrictedPrecision).toBeGreaterThanOrEqual(0.95);
    expect(gradebook.precision).toBeGreaterThanOrEqual(0.95);
  });
});
