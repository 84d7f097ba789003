import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { Decision, HeatRecord } from '../../../src/domain/index.js';
import { inScopeCategoryOf, labelsFromHistory, timeSplit } from '../../../src/learn/index.js';

const cfg = loadConfig({ dir: 'config', env: {} });
const routing = {
  ...cfg.routing,
  teams: { ...cfg.routing.teams, perSchool: { 'Lincoln Elementary': 'Lincoln Techs' } },
};

function decision(partial: Partial<Decision>): Decision {
  return {
    category: 'unclassified',
    scope: 'needs_review',
    ruleId: 'threshold',
    confidence: 0,
    restricted: false,
    policyVersion: 'v',
    reasons: [],
    winner: { category: 'unclassified', score: 0 },
    runnerUp: null,
    ...partial,
  };
}

const modelSays = (hardware: number, software: number): Decision =>
  decision({
    model: {
      version: 'm',
      top: [
        { category: 'telephone', probability: 1 - hardware - software },
        { category: 'hardware', probability: hardware },
        { category: 'software_access', probability: software },
      ],
      gradebookProbability: 0,
      strongest: [],
    },
  });

const rec = (id: string, fields: HeatRecord): HeatRecord => ({
  RecId: id,
  CreatedDateTime: '2026-09-01T10:00:00-06:00',
  SBT_Override: null,
  ...fields,
});

describe('inScopeCategoryOf', () => {
  it('takes the more probable of hardware and software access, ignoring other categories', () => {
    expect(inScopeCategoryOf(modelSays(0.1, 0.2))).toBe('software_access');
    expect(inScopeCategoryOf(modelSays(0.3, 0.2))).toBe('hardware');
  });
  it('without model evidence: the rules decision, else the higher rule score, else null', () => {
    expect(inScopeCategoryOf(decision({ category: 'hardware' }))).toBe('hardware');
    const reasons = [
      { ruleId: 'a', category: 'software_access' as const, weight: 1, matches: [] },
      { ruleId: 'b', category: 'hardware' as const, weight: 0.5, matches: [] },
    ];
    expect(inScopeCategoryOf(decision({ category: 'telephone', reasons }))).toBe('software_access');
    expect(inScopeCategoryOf(decision({ category: 'telephone' }))).toBeNull();
  });
});

describe('labelsFromHistory', () => {
  const records: HeatRecord[] = [
    rec('1', { OwnerTeam: 'Telecommunications' }),
    rec('2', { OwnerTeam: 'gradebook\u00a0MANAGERS ' }),
    rec('3', { OwnerTeam: 'School Technicians' }),
    rec('4', { OwnerTeam: 'Lincoln Techs' }),
    rec('5', { OwnerTeam: 'Network Operations' }),
    rec('6', { OwnerTeam: 'ITS Service Desk' }),
    rec('7', { OwnerTeam: '' }),
    rec('8', { OwnerTeam: 'Web Services', CreatedDateTime: 'not a date' }),
    // A person moved it to Web Services after we routed it: the override is the label, weight 3.
    rec('9', { OwnerTeam: 'Web Services', SBT_Override: 'Web Services' }),
    rec('10', { OwnerTeam: 'School Technicians' }),
  ];
  const decide = (r: HeatRecord): Decision =>
    r.RecId === '3' ? modelSays(0.6, 0.1) : r.RecId === '4' ? modelSays(0.1, 0.4) : decision({});
  const { examples, skipped } = labelsFromHistory(records, routing, { decide });

  it('maps final teams back through destinations and technicians teams, overrides weighted 3', () => {
    expect(examples.map((e) => [e.ticket.RecId, e.ticket.expect, e.source, e.weight])).toEqual([
      ['1', ['telephone'], 'closed', 1],
      ['2', ['gradebook_admin'], 'closed', 1],
      ['3', ['hardware'], 'closed', 1],
      ['4', ['software_access'], 'closed', 1],
      ['9', ['website'], 'override', 3],
    ]);
    expect(examples[0]!.createdMs).toBe(Date.parse('2026-09-01T16:00:00Z'));
  });

  it('counts every ticket it skips, by reason', () => {
    expect(skipped).toEqual({ noTeam: 1, unmappedTeam: 1, atIntake: 1, inScopeUnsure: 1, undated: 1 });
  });

  it('takes the weights it is given', () => {
    const w = labelsFromHistory(records, routing, { decide, weights: { override: 5, closed: 0.5 } });
    expect(w.examples.map((e) => e.weight)).toEqual([0.5, 0.5, 0.5, 0.5, 5]);
  });
});

describe('timeSplit', () => {
  const item = (id: string, createdMs: number) => ({ createdMs, ticket: { RecId: id } });
  it('holds out the newest share by creation time, ties by RecId, whatever the input order', () => {
    const items = [item('e', 50), item('a', 10), item('d', 40), item('c', 40), item('b', 20)];
    const split = timeSplit(items, 0.4);
    expect(split.train.map((i) => i.ticket.RecId)).toEqual(['a', 'b', 'c']);
    expect(split.heldOut.map((i) => i.ticket.RecId)).toEqual(['d', 'e']);
    expect(timeSplit(items, 0).heldOut).toEqual([]);
    expect(timeSplit(items.slice(0, 3), 0.2).heldOut.map((i) => i.ticket.RecId)).toEqual(['e']);
  });
  it('refuses a share outside [0, 1)', () => {
    expect(() => timeSplit([], 1)).toThrow('the held-out share must be in [0, 1), got 1');
  });
});
