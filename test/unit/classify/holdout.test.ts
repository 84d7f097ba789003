import { readJsonl } from '../../support/jsonl.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { compilePolicy, evaluateCorpus, type LabelledTicket } from '../../../src/classify/index.js';

/*
 * A held-out check (test/fixtures/README.md, "holdout-tickets.jsonl"): 94 invented tickets written
 * before the engine was run on them and never used to tune the policy. The labelled corpus is what the
 * policy was tuned on, so its figure is optimistic; this one is the honest estimate. If an edit to the
 * policy breaks this test, fix the cause in the policy, never by editing or relabelling these tickets.
 */
const holdout = readJsonl<LabelledTicket>('test/fixtures/holdout-tickets.jsonl');

describe('the default policy on the held-out tickets (issue 3 thresholds)', () => {
  const cfg = loadConfig({ dir: 'config', env: {} });
  const policy = compilePolicy(cfg.routing, cfg.policyVersion, { file: 'config/routing.yaml' });
  const report = evaluateCorpus(holdout, policy);
  const gradebook = report.perCategory.find((c) => c.category === 'gradebook_admin')!;

  it('holds at least 80 tickets covering every category', () => {
    expect(report.total).toBe(94);
    expect(report.correct + report.misses.length).toBe(94);
    expect(report.total).toBeGreaterThanOrEqual(80);
    for (const c of report.perCategory) expect(c.support, c.category).toBeGreaterThanOrEqual(5);
  });

  it('reaches at least 95% category accuracy', () => {
    // Measured at 98.9% (93/94) when the holdout was first run, before any tuning.
    expect(report.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('never leaves a grading request with a technician (restricted recall 100%)', () => {
    expect(report.restrictedSupport).toBeGreaterThanOrEqual(10);
    expect(report.restrictedRecall).toBe(1);
    expect(gradebook.recall).toBe(1);
  });

  it('flags at least 95% precision on gradebook_admin', () => {
    expect(report.restrictedPrecision).toBeGreaterThanOrEqual(0.95);
    expect(gradebook.precision).toBeGreaterThanOrEqual(0.95);
  });
});
