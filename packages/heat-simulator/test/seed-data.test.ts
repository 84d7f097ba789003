import { describe, expect, it } from 'vitest';
import { createSimulator, DEFAULT_INCIDENT_CUSTOM_FIELDS, INTENT_LABELS } from '../src/index.js';

const NOW = new Date('2026-03-15T18:00:00Z');
const SETS = ['incidents', 'organizationalunits', 'standarduserteams', 'employees'];

function snapshot(seed: number): string {
  const sim = createSimulator({ seed, now: () => NOW });
  return JSON.stringify({ sets: SETS.map((s) => sim.list(s)), truth: sim.truth() });
}

describe('seeded tenant', () => {
  const sim = createSimulator({ seed: 7, now: () => NOW });
  const incidents = sim.list('incidents');
  const truth = sim.truth();

  it('is byte-identical for the same seed and clock, and differs for another seed', () => {
    const a = snapshot(3);
    expect(snapshot(3)).toBe(a);
    expect(snapshot(4)).not.toBe(a);
  });

  it('has at least 300 tickets covering every category id, with the truth kept outside the records', () => {
    expect(incidents.length).toBe(320);
    expect(truth.length).toBe(incidents.length);
    const intended = new Map<string, number>();
    for (const t of truth) intended.set(t.expect[0]!, (intended.get(t.expect[0]!) ?? 0) + 1);
    for (const category of INTENT_LABELS)
      expect(intended.get(category) ?? 0, category).toBeGreaterThanOrEqual(5);
    const byId = new Map(incidents.map((r) => [r.RecId, r]));
    for (const t of truth) {
      expect(byId.get(t.RecId)?.IncidentNumber).toBe(t.IncidentNumber);
      for (const c of t.expect) expect(INTENT_LABELS).toContain(c);
    }
    // Nothing in a HEAT record carries the generator's intent.
    const serialized = JSON.stringify(incidents);
    expect(serialized).not.toMatch(/"expect"|templateId|software_access|gradebook_admin/);
  });

  it('has at least 12 schools and the district teams, with technicians in every school', () => {
    const schools = sim.list('organizationalunits').filter((o) => o.OrgUnitType === 'School');
    expect(schools.length).toBeGreaterThanOrEqual(12);
    const teams = sim.list('standarduserteams').map((t) => t.Team);
    for (const team of [
      'ITS Service Desk',
      'School Technicians',
      'Telecommunications',
      'Web Services',
      'ITS Application Support',
      'Gradebook Managers',
      'School Administration',
      'Network Operations',
    ]) {
      expect(teams).toContain(team);
    }
    const employees = sim.list('employees');
    for (const school of schools) {
      expect(
        employees.some((e) => e.OrganizationUnitID === school.Name && e.Team === 'School Technicians'),
        String(school.Name),
      ).toBe(true);
    }
    expect(employees.map((e) => e.LoginID)).toContain('sbt-router');
  });

  it('contains the tricky fine lines, Spanish tickets and e-mail noise', () => {
    const subjects = incidents.map((r) => String(r.Subject).toLowerCase());
    const hasSubject = (re: RegExp): boolean => subjects.some((s) => re.test(s));
    expect(hasSubject(/install powerpoint on room \d+ laptops/)).toBe(true);
    expect(hasSubject(/make a powerpoint for open house/)).toBe(true);
    expect(hasSubject(/gradebook page won.t load on my computer/)).toBe(true);
    expect(hasSubject(/school web page won.t load on lab computers/)).toBe(true);
    expect(hasSubject(/update the school website calendar/)).toBe(true);
    expect(hasSubject(/la impresora no imprime/)).toBe(true);
    expect(hasSubject(/cambiar una calificaci/)).toBe(true);
    const bodies = incidents.map((r) => String(r.Symptom ?? ''));
    const share = (re: RegExp): number => bodies.filter((b) => re.test(b)).length / bodies.length;
    expect(share(/<(p|div)>/)).toBeGreaterThan(0.2);
    expect(share(/&nbsp;|<br>/)).toBeGreaterThan(0.05);
    expect(share(/Sent from my iPhone/)).toBeGreaterThan(0.03);
    expect(share(/wrote:/)).toBeGreaterThan(0.03);
    expect(share(/student records/)).toBeGreaterThan(0.05);
    expect(share(/Phone: \(208\) 555-01\d\d/)).toBeGreaterThan(0.1);
    // Telephone tickets filed under Category "Hardware", as requesters do.
    const phoneUnderHardware = truth.filter((t) => {
      const r = incidents.find((i) => i.RecId === t.RecId)!;
      return t.expect[0] === 'telephone' && r.Category === 'Hardware';
    });
    expect(phoneUnderHardware.length).toBeGreaterThan(0);
  });

  it('sets fields the way a tenant would: intake team, some technician-owned, SBT fields empty', () => {
    const intake = incidents.filter((r) => r.OwnerTeam === 'ITS Service Desk').length;
    expect(intake / incidents.length).toBeGreaterThan(0.6);
    const techOwned = incidents.filter((r) => r.OwnerTeam === 'School Technicians');
    expect(techOwned.length).toBeGreaterThan(0);
    const techs = new Set(
      sim
        .list('employees')
        .filter((e) => e.Team === 'School Technicians')
        .map((e) => e.LoginID),
    );
    expect(techOwned.map((r) => r.Owner).filter((owner) => !techs.has(owner))).toEqual([]);
    const statuses = new Set(incidents.map((r) => r.Status));
    for (const s of ['Logged', 'Active', 'Resolved', 'Closed']) expect(statuses).toContain(s);
    for (const r of incidents) {
      for (const f of DEFAULT_INCIDENT_CUSTOM_FIELDS) expect(r[f], f).toBeNull();
      expect(r.RecId).toMatch(/^[0-9A-F]{32}$/);
      expect(r.OrgUnitLink_RecID).toMatch(/^[0-9A-F]{32}$/);
      expect(r.LastModBy).not.toBe('sbt-router');
    }
    const closed = incidents.filter((r) => r.Status === 'Closed');
    expect(closed.map((r) => [r.ReadOnly, r.IsInFinalState])).toEqual(closed.map(() => [true, false]));
    expect(
      incidents
        .filter((r) => r.Status === 'Logged')
        .every((r) => r.ClosedDateTime === '0001-01-01T00:00:00Z'),
    ).toBe(true);
  });

  it('spreads CreatedDateTime over the 90 days before now, some right at a month boundary, numbers in order', () => {
    const created = incidents.map((r) => Date.parse(String(r.CreatedDateTime)));
    for (const t of created) {
      expect(t).toBeLessThanOrEqual(NOW.getTime());
      expect(t).toBeGreaterThan(NOW.getTime() - 91 * 86_400_000);
    }
    for (let i = 1; i < incidents.length; i += 1) {
      expect(incidents[i]!.IncidentNumber).toBe((incidents[i - 1]!.IncidentNumber as number) + 1);
      expect(created[i]!).toBeGreaterThanOrEqual(created[i - 1]!);
    }
    // Tenant offset -06:00: a month starts at T00:00:00-06:00 local.
    const nearBoundary = incidents.filter((r) =>
      /-(01T00:0[0-4]|(28|29|30|31)T23:5\d)/.test(String(r.CreatedDateTime)),
    );
    expect(nearBoundary.length).toBeGreaterThan(0);
    expect(String(incidents[0]!.CreatedDateTime)).toMatch(/-06:00$/);
  });

  it('generates other amounts of tickets and live ones with truth', () => {
    const small = createSimulator({ seed: 1, tickets: 40, now: () => NOW });
    expect(small.list('incidents')).toHaveLength(40);
    const created = small.createTickets(3);
    expect(created.map((r) => r.IncidentNumber)).toEqual([10041, 10042, 10043]);
    expect(
      created.every(
        (r) => r.Status === 'Logged' && r.OwnerTeam === 'ITS Service Desk' && r.Source === 'Self Service',
      ),
    ).toBe(true);
    expect(small.truth().filter((t) => created.some((c) => c.RecId === t.RecId))).toHaveLength(3);
  });
});
