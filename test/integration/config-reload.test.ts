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
    copyFileSync('config/model.json', join(dir, 'model.json'));
    copyFileSync('config/service.yaml', join(dir, 'service.yaml'));
    fx = await startPipeline(redisUrl, { sim: { seed: 91, tickets: 1 }, serviceOptions: { configDir: dir } });
    const before = fx.service.runtime().config.policyVersion;

    const good = readFileSync(join(dir, 'routing.yaml'), 'utf8');
    const evil = good.replace(
      'rules:\n',
      () =>
        "rules:\n  - id: evil-pattern\n    category: hardware\n    any:\n      patterns: ['(?<=ref:)\\d+']\n",
    );
    writeFileSync(join(dir, 'routing.yaml'), evil);
    copyFileSync('config/model.json', join(dir, 'model.json'));
    const line = evil.split('\n').indexOf("      patterns: ['(?<=ref:)\\d+']") + 1;
    expect(line).toBeGreaterThan(1);
    const rejected = fx.service.reload();
    expect(rejected.ok).toBe(false);
    expect(rejected.ok ? '' : rejected.error).toContain(
      `routing.yaml:${line} rules[0].any.patterns[0] (id evil-pattern): rule "evil-pattern" pattern: "(?<=ref:)\\d+" uses lookbehind`,
    );
    expect(fx.service.runtime().config.policyVersion).toBe(before);

    writeFileSync(join(dir, 'routing.yaml'), `${good}\n# tuned\n`);
    copyFileSync('config/model.json', join(dir, 'model.json'));
    const accepted = fx.service.reload();
    expect(accepted.ok).toBe(true);
    expect(fx.service.runtime().config.policyVersion).not.toBe(before);
  });

  it('keeps the running config when the new file has several problems, and reports every one of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-reload-'));
    copyFileSync('config/routing.yaml', join(dir, 'routing.yaml'));
    copyFileSync('config/model.json', join(dir, 'model.json'));
    copyFileSync('config/service.yaml', join(dir, 'service.yaml'));
    fx = await startPipeline(redisUrl, { sim: { seed: 92, tickets: 1 }, serviceOptions: { configDir: dir } });
    const before = fx.service.runtime();

    const good = readFileSync(join(dir, 'routing.yaml'), 'utf8');
    const bad = good
      .replace(/^threshold: 2$/m, 'treshold: 2')
      .replace('destination: Telecommunications', 'destination: ~')
      .replace('destination: Gradebook Managers', 'destination: School\u00a0Technicians')
      .replace(
        'rules:\n',
        () =>
          "rules:\n  - id: broken-regex\n    category: hardware\n    any:\n      patterns: ['(unclosed']\n",
      );
    writeFileSync(join(dir, 'routing.yaml'), bad);
    copyFileSync('config/model.json', join(dir, 'model.json'));
    const lineOf = (needle: string): number => bad.split('\n').findIndex((l) => l.includes(needle)) + 1;

    const rejected = fx.service.reload();
    expect(rejected.ok).toBe(false);
    const error = rejected.ok ? '' : rejected.error;
    const file = join(dir, 'routing.yaml');
    expect(error).toContain('Invalid configuration (5 problems)');
    expect(error).toContain(
      `${file}:${lineOf('treshold: 2')} treshold: unknown key "treshold". Fix: did you mean "threshold"?`,
    );
    expect(error).toContain(
      `${file}:${lineOf('treshold: 2')} threshold: the required key "threshold" is missing. Fix: add "threshold: 2"`,
    );
    expect(error).toContain(
      `${file}:${lineOf('destination: ~')} categories.telephone.destination: out-of-scope category "telephone" has no destination`,
    );
    expect(error).toContain(
      `${file}:${lineOf('School\u00a0Technicians')} categories.gradebook_admin.destination: gradebook work may never go to technicians (destination is "School\\u00a0Technicians", the same team as "School Technicians"`,
    );
    expect(error).toContain(
      `${file}:${lineOf("patterns: ['(unclosed']")} rules[0].any.patterns[0] (id broken-regex): rule "broken-regex" pattern: "(unclosed" is not a valid RE2 regular expression`,
    );
    // The running config and policy are the very objects from before the reload.
    expect(fx.service.runtime()).toBe(before);
    expect(fx.service.runtime().policy.threshold).toBe(2);
    expect(fx.service.runtime().config.routing.categories.telephone.destination).toBe('Telecommunications');
  });
});
