import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'heat-simulator';
import { registerTrainCommand } from '../../src/cli/commands/train.js';
import { readModelFile } from '../../src/config/index.js';
import { runCommand } from '../support/run-command.js';

/** The simulator's clock: its history lies 91-119 days before this, its overrides in the 90 days before. */
const PINNED_NOW = new Date('2026-11-18T15:00:00Z');
const HISTORY = { closed: 200, mislabelRate: 0.1, overrides: 20 };

let sim: Simulator;
let dir: string;
let env: NodeJS.ProcessEnv;

async function run(args: string[]) {
  return runCommand([registerTrainCommand], args, { env, now: () => PINNED_NOW });
}

beforeAll(async () => {
  sim = createSimulator({ seed: 5, tickets: 40, now: () => PINNED_NOW, history: HISTORY });
  const url = await sim.listen(0, '127.0.0.1');
  dir = mkdtempSync(join(tmpdir(), 'train-from-heat-'));
  copyFileSync(join('config', 'routing.yaml'), join(dir, 'routing.yaml'));
  copyFileSync('config/model.json', join(dir, 'model.json'));
  writeFileSync(join(dir, 'service.yaml'), 'logging:\n  level: error\n');
  env = { HEAT_BASE_URL: url, HEAT_API_KEY: sim.apiKey, SBT_CONFIG_DIR: dir };
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sbt-router train --from-heat', () => {
  it('labels HEAT history, holds out the newest 20%, writes a candidate that loads, prints both figures', async () => {
    const activeBefore = readFileSync(join(dir, 'model.json'), 'utf8');
    const r = await run(['train', '--from-heat', '--since', '2026-01-01', '--config', dir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // 200 history tickets + 7 of the 40 live ones are Resolved/Closed; 20 tickets carry SBT_Override.
    expect(r.out).toContain('read from HEAT: 207 resolved/closed created since 2026-01-01, 20 overrides');
    expect(r.out).toContain(
      'examples 207 (20 overrides weight 3, 187 closed weight 1); skipped 20: 15 still with the intake team, ' +
        '5 owned by a team of no category, 0 without a team',
    );
    expect(r.out).toContain(
      'held out 41 newest (20%, created 2026-08-16T01:23:21.000Z onward); training on 166 from HEAT + 0 labelled',
    );
    const candidate = join(dir, 'model.candidate.json');
    expect(existsSync(candidate)).toBe(true);
    const loaded = readModelFile(candidate);
    expect(loaded.problems).toEqual([]);
    expect(loaded.model?.trainedOn['examples']).toBe(166);
    expect(r.out).toContain(`wrote ${candidate} (version ${loaded.hash}); the active model is unchanged`);
    expect(r.out).toMatch(
      new RegExp(`held-out figures, candidate model ${loaded.hash}:\\n  tickets 41: accuracy \\d+\\.\\d%`),
    );
    expect(r.out).toMatch(/held-out figures, active model [0-9a-f]{12}:\n {2}tickets 41: accuracy \d+\.\d%/);
    expect(r.out).toContain(`sbt-router replay --config ${dir} --against NEW_FOLDER TICKETS.jsonl`);
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(activeBefore);
  });

  it('refuses to overwrite the active model, and needs --since', async () => {
    const r = await run([
      'train',
      '--from-heat',
      '--since',
      '2026-01-01',
      '--config',
      dir,
      '--out',
      join(dir, 'model.json'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /that is the active model \(routing.yaml model.file\)\. Fix: write the candidate elsewhere/,
    );
    const s = await run(['train', '--from-heat', '--config', dir]);
    expect(s.code).toBe(2);
    expect(s.err).toContain('--since: "" is not a date. Fix: with --from-heat give --since 2026-01-01');
  });
});
