import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyActions, checkTenantFields, noteMarker, planActions } from '../../src/actions/index.js';
import type { PlanContext } from '../../src/actions/index.js';
import type { ApplyResult, Decision, Ticket } from '../../src/domain/index.js';
import { createHeatClient } from '../../src/heat/index.js';
import type { HeatClient } from '../../src/heat/index.js';
import { createSilentLogger } from '../../src/observability/index.js';
import { DEFAULT_INCIDENT_CUSTOM_FIELDS, createSimulator } from 'heat-simulator';
import type { Simulator } from 'heat-simulator';
import { makeContext, makeDecision, makeRouting } from '../unit/actions/action-fixtures.js';

const logger = createSilentLogger();
const FINAL = ['Resolved', 'Closed'];

function clientFor(sim: Simulator): HeatClient {
  return createHeatClient(
    {
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      timeoutMs: 5_000,
      maxConcurrency: 4,
      dailyCallBudget: 100_000,
      pageSize: 100,
      retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 },
    },
    { logger },
  );
}

/** What the job handler does: read the ticket, plan, apply. */
async function runJob(
  heat: HeatClient,
  recId: string,
  decision: Decision,
  attempt = 1,
  ctx: PlanContext = makeContext(),
): Promise<ApplyResult> {
  const ticket = (await heat.getByRecId('incidents', recId)) as Ticket;
  const plan = planActions(ticket, decision, ctx);
  return applyActions(plan, { heat, logger, incidentSet: 'incidents', attempt });
}

function writes(sim: Simulator): { patch: number; post: number } {
  const s = sim.stats();
  return { patch: s.byMethod.PATCH ?? 0, post: s.byMethod.POST ?? 0 };
}

describe('applyActions against the HEAT simulator', () => {
  let sim: Simulator;
  let heat: HeatClient;
  const used = new Set<string>();

  /** A fresh ticket per test (tests share one simulator, never one ticket). */
  function pick(where: (t: Record<string, unknown>) => boolean): string {
    const found = sim
      .list('incidents')
      .find((t) => !used.has(String(t.RecId)) && !FINAL.includes(String(t.Status)) && where(t));
    if (!found) throw new Error('the seeded tenant has no such ticket left');
    used.add(String(found.RecId));
    return String(found.RecId);
  }
  const inIntake = (t: Record<string, unknown>): boolean => t.OwnerTeam === 'ITS Service Desk';
  const withTechnician = (t: Record<string, unknown>): boolean =>
    t.OwnerTeam === 'School Technicians' && typeof t.Owner === 'string' && t.Owner !== '';

  beforeAll(async () => {
    sim = createSimulator({ seed: 42, timestampPrecision: 'millisecond' });
    await sim.listen(0, '127.0.0.1');
    heat = clientFor(sim);
  });
  afterAll(async () => {
    heat.close();
    await sim.close();
  });

  it('moves a technician ticket: team, Owner cleared, tags, one internal note', async () => {
    const recId = pick(withTechnician);
    const decision = makeDecision('telephone');
    const result = await runJob(heat, recId, decision);
    expect(result).toMatchObject({ patched: true, noted: true, heatCalls: 2 });

    const after = sim.get('incidents', recId)!;
    expect(after.OwnerTeam).toBe('Telecommunications');
    expect(['', null]).toContain(after.Owner);
    expect(after).toMatchObject({
      SBT_Scope: 'out_of_scope',
      SBT_Category: 'telephone',
      SBT_RuleId: 'telephone-rule',
      SBT_PolicyVersion: 'pv-000000001',
      SBT_RoutedTo: 'Telecommunications',
      LastModBy: 'sbt-router',
    });
    expect(Number(after.SBT_Confidence)).toBe(0.88);
    expect([false, 'false', 'False']).toContain(after.SBT_Restricted);
    const notes = sim.notesFor(recId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ PublishToWeb: false, ParentLink_RecID: recId });
    expect(String(notes[0]!.NotesBody)).toContain(noteMarker(String(after.SBT_DecisionHash)));
    expect(String(notes[0]!.NotesBody)).toContain(
      'Telephone system support is handled by Telecommunications',
    );
  });

  it('the same job run twice: the second costs no write and changes nothing', async () => {
    const recId = pick(inIntake);
    const decision = makeDecision('gradebook_admin');
    await runJob(heat, recId, decision);
    const once = sim.get('incidents', recId)!;
    const before = writes(sim);
    const second = await runJob(heat, recId, decision);
    expect(second).toMatchObject({ patched: false, noted: false, heatCalls: 0 });
    expect(writes(sim)).toEqual(before);
    expect(sim.get('incidents', recId)).toEqual(once);
    expect(once).toMatchObject({ OwnerTeam: 'Gradebook Managers', SBT_Restricted: true });
    expect(sim.notesFor(recId)).toHaveLength(1);
  });

  it('a job killed after the PATCH and retried ends like one clean run, with one note', async () => {
    const decision = makeDecision('website');
    const clean = pick(inIntake);
    await runJob(heat, clean, decision);

    const crashed = pick(inIntake);
    const dying: HeatClient = {
      ...heat,
      createNote: () => Promise.reject(new Error('worker killed')),
    };
    await expect(runJob(dying, crashed, decision)).rejects.toThrow('worker killed');
    expect(sim.get('incidents', crashed)!.OwnerTeam).toBe('Web Services');
    expect(sim.notesFor(crashed)).toHaveLength(0);

    const retry = await runJob(heat, crashed, decision, 2);
    expect(retry).toMatchObject({ patched: false, noted: true });
    const again = await runJob(heat, crashed, decision, 3);
    expect(again).toMatchObject({ patched: false, noted: false, noteFound: true });

    const pickState = (r: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(
        [
          'OwnerTeam',
          'Owner',
          ...DEFAULT_INCIDENT_CUSTOM_FIELDS.filter((f) => f !== 'SBT_ClassifiedDateTime'),
        ].map((k) => [k, r[k] ?? '']),
      );
    expect(pickState(sim.get('incidents', crashed)!)).toEqual(pickState(sim.get('incidents', clean)!));
    expect(sim.notesFor(crashed)).toHaveLength(1);
    expect(sim.notesFor(clean)).toHaveLength(1);
  });

  it('a destination HEAT does not know: the move refused, the tags written alone, no note', async () => {
    const recId = pick(inIntake);
    const routing = makeRouting();
    const bad = {
      ...routing,
      categories: {
        ...routing.categories,
        website: { ...routing.categories.website!, destination: 'Web Wizards' },
      },
    };
    const before = sim.get('incidents', recId)!;
    const result = await runJob(heat, recId, makeDecision('website'), 1, makeContext({ routing: bad }));
    expect(result).toMatchObject({ patched: true, noted: false, moveRefusal: 'unknown_destination' });
    const after = sim.get('incidents', recId)!;
    expect(after.OwnerTeam).toBe(before.OwnerTeam);
    expect(after.Owner).toBe(before.Owner);
    expect(after.SBT_Category).toBe('website');
    expect(after.SBT_RoutedTo).toBe(before.SBT_RoutedTo);
    expect(sim.notesFor(recId)).toHaveLength(0);
  });

  it('a person moving the ticket after us is not fought: override recorded once, then nothing', async () => {
    const recId = pick(inIntake);
    const decision = makeDecision('application_support');
    await runJob(heat, recId, decision);
    sim.actAsPerson(recId, 'sdesk-person', { OwnerTeam: 'Network Operations' });

    const ticket = (await heat.getByRecId('incidents', recId)) as Ticket;
    const plan = planActions(ticket, decision, makeContext());
    expect(plan.override).toEqual({ from: 'ITS Application Support', to: 'Network Operations' });
    await applyActions(plan, { heat, logger, incidentSet: 'incidents' });
    expect(sim.get('incidents', recId)).toMatchObject({
      OwnerTeam: 'Network Operations',
      SBT_Override: 'Network Operations',
    });

    const before = writes(sim);
    expect(await runJob(heat, recId, decision)).toMatchObject({ patched: false, heatCalls: 0 });
    expect(writes(sim)).toEqual(before);
    expect(sim.notesFor(recId)).toHaveLength(1);
  });

  it('shadow mode tags without moving or noting', async () => {
    const recId = pick(inIntake);
    await runJob(heat, recId, makeDecision('office_development'), 1, makeContext({ mode: 'shadow' }));
    expect(sim.get('incidents', recId)).toMatchObject({
      OwnerTeam: 'ITS Service Desk',
      SBT_Category: 'office_development',
    });
    expect(sim.notesFor(recId)).toHaveLength(0);
  });
});

describe('checkTenantFields against the simulator', () => {
  it('reports the SBT fields a tenant lacks', async () => {
    const sim = createSimulator({
      seed: 3,
      tickets: 300,
      customFields: {
        incidents: DEFAULT_INCIDENT_CUSTOM_FIELDS.filter((f) => f !== 'SBT_Override' && f !== 'SBT_RoutedTo'),
      },
    });
    await sim.listen(0, '127.0.0.1');
    const heat = clientFor(sim);
    try {
      const missing = await checkTenantFields(heat, makeRouting().fields, 'incidents');
      expect(missing.sort()).toEqual(['SBT_Override', 'SBT_RoutedTo']);
      expect(sim.stats().byMethod.GET).toBe(1);
    } finally {
      heat.close();
      await sim.close();
    }
  });
});
