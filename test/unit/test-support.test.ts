import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../support/capture-logs.js';
import { parseJsonl, readJsonl } from '../support/jsonl.js';

describe('test/support helpers', () => {
  it('readJsonl skips blank lines and names file and line of a broken one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbt-jsonl-'));
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, '{"a":1}\n\n{"a":2}\n');
    expect(readJsonl(good)).toEqual([{ a: 1 }, { a: 2 }]);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"a":1}\n{"a":\n');
    expect(() => readJsonl(bad)).toThrow(`${bad}:2: not a JSON line`);
    expect(parseJsonl('')).toEqual([]);
  });

  it('captureLogs keeps every line (live), the raw text and the events', () => {
    const capture = captureLogs();
    const { entries } = capture;
    capture.logger.debug('one', { event: 'first' });
    capture.logger.warn('two');
    capture.logger.error('three', { event: 'third' });
    expect(entries.map((l) => [l.level, l.message])).toEqual([
      ['debug', 'one'],
      ['warn', 'two'],
      ['error', 'three'],
    ]);
    expect(capture.lines()).toEqual(entries);
    expect(capture.events()).toEqual(['first', 'third']);
    expect(capture.text().trim().split('\n')).toHaveLength(3);
  });
});
