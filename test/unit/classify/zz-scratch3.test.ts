import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../../src/config/index.js';
import { classifyTicket, compilePolicy } from '../../../src/classify/index.js';
it('scratch3', () => {
  const cfg = loadConfig({ dir: 'config', env: {} });
  const policy = compilePolicy(cfg.routing, cfg.policyVersion);
  const rows = parse(readFileSync('/work/shared/datasets/kaggle-it-service-tickets/tickets.csv', 'utf8'), { columns: true }) as Record<string, string>[];
  const counts = new Map<string, number>();
  const words = new Map<string, number>();
  for (const r of rows) {
    const d = classifyTicket({ Symptom: r['Document'] }, policy);
    if (d.scope === 'out_of_scope' || d.scope === 'restricted') {
      counts.set(d.ruleId, (counts.get(d.ruleId) ?? 0) + 1);
      for (const re of d.reasons) if (re.category === d.category) for (const m of re.matches) words.set(`${re.ruleId}:${m.value}`, (words.get(`${re.ruleId}:${m.value}`) ?? 0) + 1);
    }
  }
  const corpus = readFileSync('test/fixtures/labelled-tickets.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const html = corpus.filter((t: any) => /</.test(t.Symptom)), plain = corpus.filter((t: any) => !/</.test(t.Symptom));
  const time = (ts: any[]) => { const t0 = performance.now(); for (let i = 0; i < 30000; i++) classifyTicket(ts[i % ts.length], policy); return (30000 / ((performance.now() - t0) / 1000)) | 0; };
  time(corpus);
  writeFileSync('/tmp/h3-rules.txt', `html ${html.length} ${time(html)}/s plain ${plain.length} ${time(plain)}/s\n` + [...counts].sort((a, b) => b[1] - a[1]).join('\n') + '\n' + [...words].sort((a, b) => b[1] - a[1]).slice(0, 60).join('\n'));
}, 300_000);
