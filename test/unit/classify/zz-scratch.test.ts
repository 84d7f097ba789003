import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { classifyTicket, compilePolicy, evaluateCorpus, type LabelledTicket } from '../../../src/classify/index.js';
import { formatDecision } from '../../../src/cli/commands/explain.js';
it('scratch', () => {
  const corpus = readFileSync('test/fixtures/labelled-tickets.jsonl', 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LabelledTicket);
  const cfg = loadConfig({ dir: 'config', env: {} });
  const policy = compilePolicy(cfg.routing, cfg.policyVersion);
  const r = evaluateCorpus(corpus, policy);
  const out: string[] = [`ACC ${r.accuracy} rr ${r.restrictedRecall} rp ${r.restrictedPrecision}`];
  for (const m of r.misses) {
    const t = corpus[m.index]!;
    out.push(`=== expect ${m.expect.join('|')} cat=${String(t['Category'])} line=${String(t['line'] ?? '')}\nS: ${String(t['Subject'])}\nD: ${String(t['Symptom']).slice(0, 600)}\n${formatDecision(t, classifyTicket(t, policy), policy.threshold)}`);
  }
  writeFileSync('/tmp/h3-misses.txt', out.join('\n'));
});
