import { describe, expect, it } from 'vitest';
import { createSimulator, INTENT_TEAMS, type IntentLabel } from '../src/index.js';

const NOW = new Date('2026-11-18T15:00:00Z');
const DAY_MS = 86_400_000;
const HISTORY = { closed: 200, mislabelRate: 0.1, overrides: 20 };

describe('seeded history (closed tickets and overrides)', () => {
  const sim = createSimulator({ seed: 5, tickets: 40, now: () => NOW, history: HISTORY });
  const incidents = sim.list('incidents');
  const truth = new Map(sim.truth().map((t) => [t.RecId, t]));
  const history = incidents.filter((r) => truth.get(String(r.RecId))?.finalTeam !== undefined);
  const closed = history.filter((r) => r.Status === 'Resolved' || r.Status === 'Closed');
  const overrides = incidents.filter((r) => r.SBT_Override !== null && r.SBT_Override !== '');

  it('adds the asked numbers of tickets, deterministically', () => {
    expect(incidents.length).toBe(260);
    expect(closed.length).toBe(200);
    expect(overrides.length).toBe(20);
    const again = createSimulator({ seed: 5, tickets: 40, now: () => NOW, history: HISTORY });
    expect(JSON.stringify(again.list('incidents'))).toBe(JSON.stringify(incidents));
  });

  it('owns each closed ticket by the team that does the work, about 10% by a wrong team', () => {
    let wrong = 0;
    for (const r of closed) {
      const t = truth.get(String(r.RecId))!;
      expect(r.OwnerTeam).toBe(t.finalTeam);
      const right = INTENT_TEAMS[t.expect[0] as IntentLabel];
      if (t.mislabelled) {
        wrong += 1;
        expect(r.OwnerTeam).not.toBe(right);
      } else expect(r.OwnerTeam).toBe(right);
      const created = Date.parse(String(r.CreatedDateTime));
      expect(created).toBeGreaterThanOrEqual(NOW.getTime() - 119 * DAY_MS);
      expect(created).toBeLessThanOrEqual(NOW.getTime() - 91 * DAY_MS);
    }
    expect(wrong).toBe(17);
  });

  it('records a person moving each override ticket to the right team after routing', () => {
    for (const r of overrides) {
      const t = truth.get(String(r.RecId))!;
      const right = INTENT_TEAMS[t.expect[0] as IntentLabel];
      expect(r.Status).toBe('Active');
      expect(r.OwnerTeam).toBe(right);
      expect(r.SBT_Override).toBe(right);
      expect(r.SBT_RoutedTo).toBe(t.routedTo);
      expect(r.SBT_RoutedTo).not.toBe(right);
      expect(r.LastModBy).toBe(r.Owner);
      expect(t.expect[0]).not.toBe('unclassified');
    }
  });

  it('leaves the live tickets as the default tenant has them (apart from their numbers)', () => {
    const plain = createSimulator({ seed: 5, tickets: 40, now: () => NOW });
    const strip = (r: Record<string, unknown>) => ({ ...r, IncidentNumber: 0, SocialTextHeader: '' });
    const live = incidents.filter((r) => truth.get(String(r.RecId))?.finalTeam === undefined);
    expect(JSON.stringify(live.map(strip))).toBe(JSON.stringify(plain.list('incidents').map(strip)));
  });

  it('refuses a malformed history option with the key and the fix', () => {
    expect(() => createSimulator({ history: { closed: -1 } })).toThrow(
      /history\.closed must be a whole number/,
    );
    expect(() => createSimulator({ history: { closed: 1, mislabelRate: 2 } })).toThrow(
      /history\.mislabelRate must be a share between 0 and 1/,
    );
  });
});
