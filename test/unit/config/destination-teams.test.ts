import { describe, expect, it } from 'vitest';
import { destinationTeams, loadConfig, unknownDestinationTeams } from '../../../src/config/index.js';

const cfg = loadConfig({ dir: 'config', env: {} });

describe('unknownDestinationTeams (config check --live and the checked reload)', () => {
  it('names nothing when HEAT has every destination, compared under teamKey (case, spaces, NFKC)', () => {
    const heat = [...destinationTeams(cfg).keys()].map((t) => `  ${t.toUpperCase().replace(' ', '\u00a0')} `);
    expect(unknownDestinationTeams(cfg, heat)).toEqual([]);
  });

  it('names each missing team with its routing.yaml key and a fix', () => {
    const heat = [...destinationTeams(cfg).keys()].filter((t) => t !== 'Telecommunications');
    const problems = unknownDestinationTeams(cfg, heat);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      key: 'categories.telephone.destination',
      problem: 'team "Telecommunications" does not exist in HEAT (standarduserteams)',
    });
    expect(problems[0]!.file).toBe(`${cfg.dir}/routing.yaml`);
    expect(problems[0]!.fix).toContain('create the team in HEAT');
  });
});
