import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { compilePolicy } from '../../../src/classify/index.js';
import { evaluateRealDatasets, formatRealFigures } from '../../../src/cli/commands/eval-real.js';
import { runClassifyBench } from '../../../src/bench/classify-bench.js';
it('scratch2', async () => {
  const cfg = loadConfig({ dir: 'config', env: {} });
  const policy = compilePolicy(cfg.routing, cfg.policyVersion);
  const t0 = Date.now();
  const f = formatRealFigures(evaluateRealDatasets('/work/shared/datasets', policy));
  const b = await runClassifyBench({ tickets: 100_000 });
  writeFileSync('/tmp/h3-real.txt', `${f}\n${Date.now() - t0}ms\n${JSON.stringify(b)}\n`);
}, 300_000);
