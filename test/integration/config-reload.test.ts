import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';

const redisUrl = inject('redisUrl');

describe('service.reload()', () => {
  let fx: PipelineFixture | undefined;
  afterEach(async () => {
    await fx?.close();
  });

  it('keeps the running policy when the new file has a pattern RE2 cannot run, naming its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-reload-'));
    copyFileSync('config/routing.yaml', join(dir, 'routing.yaml'));
    copyFileSync('config/service.yaml', join(dir, 'service.yaml'));
    fx = await startPipeline(redisUrl, { sim: { seed: 91, tickets: 1 }, serviceOptions: { configDir: dir } });
    const before = fx.service.runtime().config.policyVersion;

    const good = readFileSync(join(dir, 'routing.yaml'), 'utf8');
    const evil = `${good.trimEnd()}\n  - id: evil-pattern\n    category: hardware\n    any:\n      patterns: ['(?<=ref:)\\d+']\n`;
    writeFileSync(join(dir, 'routing.yaml'), evil);
    const line = evil.split('\n').indexOf("      patterns: ['(?<=ref:)\\d+']") + 1;
    expect(line).toBeGreaterThan(1);
    const rejected = fx.service.reload();
    expect(rejected.ok).toBe(false);
    expect(rejected.ok ? '' : rejected.error).toMatch(
      new RegExp(
        `routing\\.yaml:${line}: rules\\[\\d+\\]\\.any\\.patterns\\[0\\]: rule "evil-pattern" pattern: .* uses lookbehind`,
      ),
    );
    expect(fx.service.runtime().config.policyVersion).toBe(before);

    writeFileSync(join(dir, 'routing.yaml'), `${good}\n# tuned\n`);
    const accepted = fx.service.reload();
    expect(accepted.ok).toBe(true);
    expect(fx.service.runtime().config.policyVersion).not.toBe(before);
  });
});
