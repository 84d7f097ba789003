import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseYamlSource } from '../../../src/config/index.js';

function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('YAML anchors and aliases in config files', () => {
  it('reads an alias of an anchor set before it', () => {
    const source = parseYamlSource('x.yaml', 'base: &terms [printer, toner]\nmore: *terms\n');
    expect(source.raw).toEqual({ base: ['printer', 'toner'], more: ['printer', 'toner'] });
  });

  it('refuses an alias with no anchor, naming its line and the fix (not a raw ReferenceError)', () => {
    const problems = problemsOf(() => parseYamlSource('x.yaml', 'threshold: 2\nterms:\n  - *missing\n'));
    expect(problems).toEqual([
      {
        file: 'x.yaml',
        key: '*missing',
        line: 3,
        problem: 'the alias *missing names no anchor set before it',
        fix: 'set the anchor (&missing) on a value earlier in the file, or write the value out here',
      },
    ]);
  });

  it('refuses an alias inside the value it names (a structure containing itself)', () => {
    const problems = problemsOf(() => parseYamlSource('x.yaml', 'a: &loop\n  b: *loop\n'));
    expect(problems.map((p) => [p.key, p.line, p.problem])).toEqual([
      ['*loop', 2, 'the alias *loop sits inside the value its anchor names (it would contain itself)'],
    ]);
  });

  it('refuses aliases that expand without end (a "billion laughs" file) in bounded time', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${prev}`).join(', ')}]`);
    }
    const problems = problemsOf(() => parseYamlSource('x.yaml', `${lines.join('\n')}\n`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.problem).toMatch(/^YAML cannot be read: .*alias/i);
    expect(problems[0]!.fix).toBe(
      'write the repeated values out instead of using anchors (&name) and aliases (*name)',
    );
  });

  it('loadConfig names routing.yaml and the alias line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-config-alias-'));
    copyFileSync('config/model.json', join(dir, 'model.json'));
    writeFileSync(join(dir, 'routing.yaml'), 'threshold: 2\nrules: *rules\n');
    const problems = problemsOf(() => loadConfig({ dir, env: {} }));
    expect(problems.map((p) => [p.file, p.line, p.key])).toEqual([[join(dir, 'routing.yaml'), 2, '*rules']]);
  });
});
