import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerClassifyCommand } from '../../src/cli/commands/classify.js';
import { registerConfigCheckCommand } from '../../src/cli/commands/config-check.js';
import { registerEvalRealCommand } from '../../src/cli/commands/eval-real.js';
import { registerEvaluateCommand } from '../../src/cli/commands/evaluate.js';
import { registerExplainCommand } from '../../src/cli/commands/explain.js';
import { registerReplayCommand } from '../../src/cli/commands/replay.js';
import { parseJsonl } from '../support/jsonl.js';
import { rulesOnly } from '../support/rules-only.js';
import { runCommand } from '../support/run-command.js';

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  return runCommand(
    [
      registerClassifyCommand,
      registerExplainCommand,
      registerEvaluateCommand,
      registerReplayCommand,
      registerConfigCheckCommand,
      registerEvalRealCommand,
    ],
    args,
  );
}

function tmp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sbt-cli-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

afterEach(() => {
  process.exitCode = 0;
});

describe('sbt-router classify', () => {
  it('writes one JSON line per input line, in order, and marks malformed lines (exit 1)', async () => {
    const file = tmp(
      'in.jsonl',
      [
        JSON.stringify({ RecId: 'A', IncidentNumber: 1, Subject: 'My voicemail is full', Unknown: 1 }),
        '{not json',
        JSON.stringify({
          RecId: 'B',
          IncidentNumber: 2,
          Subject: 'Please change the grade for a student, the grading period is closed',
        }),
        '[1,2]',
      ].join('\n'),
    );
    const { out, code } = await run(['classify', file]);
    const lines = parseJsonl(out, 'stdout');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      RecId: 'A',
      IncidentNumber: 1,
      category: 'telephone',
      scope: 'out_of_scope',
    });
    expect(Object.keys(lines[0]!)).toEqual([
      'RecId',
      'IncidentNumber',
      'category',
      'scope',
      'ruleId',
      'confidence',
      'reasons',
    ]);
    expect(lines[1]).toMatchObject({ line: 2 });
    expect(String(lines[1]!['error'])).toMatch(/JSON/);
    expect(lines[2]).toMatchObject({ RecId: 'B', category: 'gradebook_admin', scope: 'restricted' });
    expect(lines[3]).toMatchObject({ line: 4 });
    expect(code).toBe(1);
  });

  it('exits 0 when every line is read', async () => {
    const { code, out } = await run([
      'classify',
      tmp('ok.jsonl', JSON.stringify({ RecId: 'A', Subject: 'printer jammed' })),
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ category: 'hardware' });
  });
});

describe('sbt-router explain', () => {
  it('prints the decision, scores and reasons for people', async () => {
    const { out } = await run([
      'explain',
      tmp(
        'in.jsonl',
        JSON.stringify({ IncidentNumber: 7, Subject: 'Desk phone has no dial tone', Category: 'Hardware' }),
      ),
    ]);
    expect(out).toMatch(/Incident 7: telephone \(out_of_scope\), rule tel-devices/);
    expect(out).toMatch(/runner-up hardware 1/);
    expect(out).toMatch(
      /\+5 telephone by tel-devices: phrase "desk phone" in Subject, phrase "(no )?dial tone" in Subject/,
    );
    expect(out).toMatch(/\+1 hardware by hw-category: in "Hardware/);
  });
});

describe('sbt-router evaluate', () => {
  it('meets the issue thresholds on the corpus and prints the figures', async () => {
    const { out, code } = await run([
      'evaluate',
      'test/fixtures/labelled-tickets.jsonl',
      '--min-accuracy',
      '0.95',
      '--min-restricted-recall',
      '1',
      '--min-restricted-precision',
      '0.95',
    ]);
    expect(out).toMatch(/accuracy \d+\.\d%/);
    expect(out).toMatch(/confusion/);
    expect(code).toBe(0);
  });

  it('exits 1 when a threshold is not met and lists the misses', async () => {
    const file = tmp(
      'l.jsonl',
      [
        JSON.stringify({ RecId: 'X', Subject: 'printer jammed', expect: ['telephone'] }),
        JSON.stringify({ RecId: 'Y', Subject: 'voicemail', expect: ['telephone'] }),
      ].join('\n'),
    );
    const { out, err, code } = await run(['evaluate', file, '--min-accuracy', '0.9']);
    expect(code).toBe(1);
    expect(err).toMatch(/accuracy 50\.0% < 90\.0%/);
    expect(out).toMatch(/misses \(1\)/);
  });
});

describe('sbt-router replay', () => {
  it('shows the tickets an edit moves and the counts per category', async () => {
    const before = mkdtempSync(join(tmpdir(), 'sbt-before-'));
    const after = mkdtempSync(join(tmpdir(), 'sbt-after-'));
    // The rules alone, so that the edit's effect is the rules' own.
    const original = rulesOnly(readFileSync('config/routing.yaml', 'utf8'));
    writeFileSync(join(before, 'routing.yaml'), original);
    // The admin's edit: a new rule makes "walkie-talkie" a telephone word.
    const edited = original.replace(
      'rules:\n',
      () => 'rules:\n  - id: tel-walkie\n    category: telephone\n    weight: 5\n    any: [walkie-talkie]\n',
    );
    expect(edited).not.toBe(original);
    writeFileSync(join(after, 'routing.yaml'), edited);
    const file = tmp(
      't.jsonl',
      [
        JSON.stringify({ IncidentNumber: 11, Subject: 'walkie-talkie for recess duty' }),
        JSON.stringify({ IncidentNumber: 12, Subject: 'printer jammed' }),
      ].join('\n'),
    );
    const { out } = await run(['replay', '--config', before, '--against', after, file]);
    expect(out).toMatch(/1 of 2 tickets change category/);
    expect(out).toMatch(/11: unclassified \(threshold\) -> telephone \(tel-walkie\)/);
    expect(out).toMatch(/telephone\s+0\s+1\s+\+1/);
  });
});

describe('sbt-router config check', () => {
  it('passes the shipped config', async () => {
    const { out, code } = await run(['config', 'check', 'config']);
    expect(code).toBe(0);
    expect(out).toMatch(/OK \(policy [0-9a-f]{12}, \d+ rules, threshold 2\)/);
  });

  it('names the file, line, rule and fix of a pattern RE2 cannot run (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-bad-'));
    const text = readFileSync('config/routing.yaml', 'utf8').replace(
      'rules:\n',
      () => "rules:\n  - id: evil\n    category: hardware\n    any: { patterns: ['ext(?!ension)'] }\n",
    );
    writeFileSync(join(dir, 'routing.yaml'), text);
    copyFileSync('config/model.json', join(dir, 'model.json'));
    const line = text.split('\n').indexOf("    any: { patterns: ['ext(?!ension)'] }") + 1;
    expect(line).toBeGreaterThan(1);
    const { out, code } = await run(['config', 'check', dir]);
    expect(code).toBe(1);
    expect(out).toContain(
      `${join(dir, 'routing.yaml')}:${line} rules[0].any.patterns[0] (id evil): rule "evil" pattern: "ext(?!ension)" uses lookahead ("(?!"), which the linear-time pattern engine (RE2) does not support`,
    );
    expect(out).toMatch(/fix: rewrite without lookahead/);
  });

  it('passes the patterns that used to hang the worker (RE2 runs them in linear time)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-re2-'));
    const text = readFileSync('config/routing.yaml', 'utf8').replace(
      'rules:\n',
      () =>
        "rules:\n  - id: ref-number\n    category: hardware\n    any: { patterns: ['ref:\\d*\\d*\\d*\\d*z', 'error:(\\w|\\d)+$', 'x(a|a)*$'] }\n",
    );
    writeFileSync(join(dir, 'routing.yaml'), text);
    copyFileSync('config/model.json', join(dir, 'model.json'));
    const { out, code } = await run(['config', 'check', dir]);
    expect(out).toMatch(/OK \(policy [0-9a-f]{12}, \d+ rules, threshold 2\)/);
    expect(code).toBe(0);
  });
});

describe('sbt-router eval-real', () => {
  it('skips cleanly when the datasets folder is absent', async () => {
    const { out, code } = await run(['eval-real', '--datasets', join(tmpdir(), 'no-such-datasets-folder')]);
    expect(code).toBe(0);
    expect(out).toMatch(/skipping/);
  });
});
