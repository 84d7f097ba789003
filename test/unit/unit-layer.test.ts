import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import config, { faultsProject, redisProject, unitProject } from '../../vitest.config.js';
import faultsConfig from '../../vitest.faults.config.js';

/** Every *.test.ts under DIR (recursive), as repo-relative paths. */
function testFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The folder of an include pattern of the form `<dir>/**\/*.test.ts` (the only form used). */
function folderOf(pattern: string): string {
  const match = /^(.+)\/\*\*\/\*\.test\.ts$/.exec(pattern);
  if (!match) throw new Error(`vitest.config.ts: include "${pattern}" is not of the form <dir>/**/*.test.ts`);
  return match[1]!;
}

describe('the unit layer needs no Redis (npm run test:unit)', () => {
  it('has no globalSetup in the unit project nor at the root it extends', () => {
    expect(unitProject.test).not.toHaveProperty('globalSetup');
    expect(config.test).not.toHaveProperty('globalSetup');
    expect(redisProject.test.globalSetup).toEqual(['test/global-setup.ts']);
  });

  it('no file under test/unit reads the run’s Redis URL or starts a Redis', () => {
    const offenders: string[] = [];
    for (const entry of readdirSync('test/unit', { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const path = join(entry.parentPath, entry.name);
      const source = readFileSync(path, 'utf8');
      source.split('\n').forEach((line, i) => {
        if (/\binject\(\s*['"`]redisUrl/.test(line) || /from\s+['"][^'"]*global-setup/.test(line)) {
          offenders.push(`${path}:${i + 1}: ${line.trim()}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });

  it('every test file is in exactly one project: unit, integration, or the fault suite', () => {
    const all = ['test', 'packages/heat-simulator/test'].flatMap(testFilesUnder);
    expect(all.length).toBeGreaterThan(60);
    const folders = [unitProject, redisProject, faultsProject].map((p) => p.test.include.map(folderOf));
    const owners = all.map((file) => ({
      file,
      projects: folders.flatMap((dirs, i) => (dirs.some((d) => file.startsWith(`${d}/`)) ? [i] : [])),
    }));
    expect(owners.filter((o) => o.projects.length !== 1)).toEqual([]);
  });

  it('npm test runs unit and integration only; the fault suite runs alone (npm run test:faults)', () => {
    const names = (c: { test?: { projects?: unknown[] } }) =>
      (c.test?.projects ?? []).map((p) => (p as { test: { name: string } }).test.name);
    expect(names(config)).toEqual(['unit', 'integration']);
    expect(names(faultsConfig)).toEqual(['faults']);
    expect(faultsProject.test.include).toEqual(['test/faults/**/*.test.ts']);
  });
});
