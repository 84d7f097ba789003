import { describe, expect, it } from 'vitest';
import { applyActions, checkTenantFields, noteMarker, planActions } from '../../../src/actions/index.js';
import type { HeatRecord } from '../../../src/domain/index.js';
import { HeatApiError } from '../../../src/heat/index.js';
import type { HeatClient, JournalNoteInput, ODataQuery } from '../../../src/heat/index.js';
import { captureLogs } from '../../support/capture-logs.js';
import {
  RECID,
  afterOurWrite,
  makeContext,
  makeDecision,
  makeRouting,
  makeTicket,
} from './action-fixtures.js';

interface Call {
  method: string;
  set?: string;
  recId?: string;
  fields?: Record<string, unknown>;
  query?: ODataQuery;
  note?: JournalNoteInput;
}

/** An in-memory HeatClient that records every call (applyActions' only collaborator). */
function fakeHeat(
  options: {
    notes?: HeatRecord[];
    refuse?: HeatApiError;
    /** Refuses only a PATCH that carries OwnerTeam or Owner. */
    refuseMove?: HeatApiError;
    sample?: HeatRecord | null;
  } = {},
): {
  heat: HeatClient;
  calls: Call[];
} {
  const calls: Call[] = [];
  const notes = options.notes ?? [];
  const heat: HeatClient = {
    async *pages(set, query) {
      calls.push({ method: 'GET', set, query });
      if (set === 'journal__notess') {
        if (notes.length > 0) yield notes;
        return;
      }
      if (options.sample) yield [options.sample];
    },
    list: () => Promise.reject(new Error('not used')),
    changedSince: () => {
      throw new Error('not used');
    },
    getByRecId: () => Promise.reject(new Error('not used')),
    async update(set, recId, fields) {
      calls.push({ method: 'PATCH', set, recId, fields });
      if (options.refuse) throw options.refuse;
      if (options.refuseMove && ('OwnerTeam' in fields || 'Owner' in fields)) throw options.refuseMove;
      return { RecId: recId, ...fields, LastModDateTime: '2026-11-02T09:05:00-06:00' };
    },
    create: () => Promise.reject(new Error('not used')),
    async createNote(note) {
      calls.push({ method: 'POST', note });
      return { RecId: 'N1' };
    },
    stats: () => ({ day: '2026-11-02', calls: calls.length, budget: 1000, byMethod: {} }),
    budgetState: () => Promise.reject(new Error('not used')),
    waitForBackfillTurn: () => Promise.reject(new Error('not used')),
    lastSuccessAt: () => null,
    authRefusedSince: () => null,
    close: () => undefined,
  };
  return { heat, calls };
}

const ticket = makeTicket();
const movePlan = planActions(ticket, makeDecision('telephone'), makeContext());

describe('applyActions', () => {
  it('a move costs one PATCH carrying every field, then one internal note', async () => {
    const { heat, calls } = fakeHeat();
    const { logger } = captureLogs();
    const result = await applyActions(movePlan, { heat, logger, incidentSet: 'incidents' });
    expect(calls.map((c) => c.method)).toEqual(['PATCH', 'POST']);
    expect(calls[0]).toMatchObject({ set: 'incidents', recId: RECID, fields: movePlan.fields });
    expect(calls[1]?.note).toMatchObject({
      parentRecId: RECID,
      parentCategory: 'Incident',
      subject: 'Routed to Telecommunications by the SBT scope policy',
      publishToWeb: false,
      category: 'Memo',
    });
    expect(calls[1]?.note?.body).toContain(noteMarker(movePlan.fingerprint!));
    expect(result).toMatchObject({
      patched: true,
      noted: true,
      heatCalls: 2,
      lastModDateTime: '2026-11-02T09:05:00-06:00',
    });
  });

  it('a noop costs no call, and an echo with an if-missing note costs none on attempt 1', async () => {
    const echo = planActions(
      afterOurWrite(ticket, movePlan.fields),
      makeDecision('telephone'),
      makeContext(),
    );
    expect(echo.noteMode).toBe('if-missing');
    const { heat, calls } = fakeHeat();
    const result = await applyActions(echo, {
      heat,
      logger: captureLogs().logger,
      incidentSet: 'incidents',
      attempt: 1,
    });
    expect(calls).toEqual([]);
    expect(result).toMatchObject({
      patched: false,
      noted: false,
      heatCalls: 0,
      lastModDateTime: '2026-11-02T09:05:00-06:00',
    });
  });

  it('a retry after a crash between PATCH and note writes the missing note once', async () => {
    const echo = planActions(
      afterOurWrite(ticket, movePlan.fields),
      makeDecision('telephone'),
      makeContext(),
    );
    const missing = fakeHeat({ notes: [{ RecId: 'X', NotesBody: 'a person wrote this' }] });
    const first = await applyActions(echo, {
      heat: missing.heat,
      logger: captureLogs().logger,
      incidentSet: 'incidents',
      attempt: 2,
    });
    expect(missing.calls.map((c) => c.method)).toEqual(['GET', 'POST']);
    expect(missing.calls[0]?.query?.filter).toBe(`ParentLink_RecID eq '${RECID}'`);
    expect(first).toMatchObject({ patched: false, noted: true, heatCalls: 2 });

    const present = fakeHeat({ notes: [{ RecId: 'N1', NotesBody: echo.note!.body }] });
    const second = await applyActions(echo, {
      heat: present.heat,
      logger: captureLogs().logger,
      incidentSet: 'incidents',
      attempt: 3,
    });
    expect(present.calls.map((c) => c.method)).toEqual(['GET']);
    expect(second).toMatchObject({ noted: false, noteFound: true, heatCalls: 1 });
  });

  it('a retried move looks for its note before writing it', async () => {
    const present = fakeHeat({ notes: [{ RecId: 'N1', NotesBody: movePlan.note!.body }] });
    const result = await applyActions(movePlan, {
      heat: present.heat,
      logger: captureLogs().logger,
      incidentSet: 'incidents',
      attempt: 2,
    });
    expect(present.calls.map((c) => c.method)).toEqual(['PATCH', 'GET']);
    expect(result).toMatchObject({ patched: true, noted: false, noteFound: true });
  });

  it('dry run returns the plan without calling HEAT', async () => {
    const { heat, calls } = fakeHeat();
    const { logger, lines } = captureLogs();
    const result = await applyActions(movePlan, { heat, logger, incidentSet: 'incidents', dryRun: true });
    expect(calls).toEqual([]);
    expect(result).toMatchObject({ dryRun: true, patched: false, noted: false, heatCalls: 0 });
    expect(lines().find((l) => l.event === 'dry_run')).toMatchObject({
      kind: 'move',
      moveTo: 'Telecommunications',
      note: true,
    });
  });

  it("a refused PATCH writes no note, logs HEAT's message and rethrows", async () => {
    const refusal = new HeatApiError({
      status: 400,
      method: 'PATCH',
      path: `/api/odata/businessobject/incidents('${RECID}')`,
      code: 'ISM_4000',
      messages: ["'SBT_Scope' is not a valid field of Incident"],
    });
    const { heat, calls } = fakeHeat({ refuse: refusal });
    const { logger, lines } = captureLogs();
    await expect(applyActions(movePlan, { heat, logger, incidentSet: 'incidents' })).rejects.toBe(refusal);
    expect(calls.map((c) => c.method)).toEqual(['PATCH']);
    const line = lines().find((l) => l.event === 'heat_refused');
    expect(line).toMatchObject({
      ticketId: RECID,
      incidentNumber: 12045,
      status: 400,
      code: 'ISM_4000',
      heatMessage: "'SBT_Scope' is not a valid field of Incident",
    });
  });

  it('a destination HEAT does not know: the tags alone are written, no note, the refusal named', async () => {
    const refusal = new HeatApiError({
      status: 400,
      method: 'PATCH',
      path: `/api/odata/businessobject/incidents('${RECID}')`,
      code: 'ISM_4000',
      messages: ["'Telecommunications' is not in the validation list of validated field Incident.OwnerTeam"],
    });
    const { heat, calls } = fakeHeat({ refuseMove: refusal });
    const { logger, lines } = captureLogs();
    const result = await applyActions(movePlan, { heat, logger, incidentSet: 'incidents' });
    expect(calls.map((c) => c.method)).toEqual(['PATCH', 'PATCH']);
    const { OwnerTeam: _team, Owner: _owner, SBT_RoutedTo: _routed, ...tags } = movePlan.fields;
    expect(Object.keys(tags).length).toBeGreaterThan(1);
    expect(calls[1]!.fields).toEqual(tags);
    expect(result).toMatchObject({
      patched: true,
      noted: false,
      moveRefused: true,
      moveRefusal: 'unknown_destination',
      heatCalls: 2,
      sent: tags,
    });
    expect(lines().find((l) => l.event === 'move_refused')).toMatchObject({
      ticketId: RECID,
      moveTo: 'Telecommunications',
      reason: 'unknown_destination',
    });
  });

  it('logs an override with from/to, and restricted work, without ticket text', async () => {
    const { logger, lines } = captureLogs();
    const routed = afterOurWrite(ticket, movePlan.fields);
    const moved = { ...routed, OwnerTeam: 'School Technicians', LastModBy: 'sdesk1' };
    const override = planActions(moved, makeDecision('telephone'), makeContext());
    await applyActions(override, { heat: fakeHeat().heat, logger, incidentSet: 'incidents' });
    const gradebook = planActions(ticket, makeDecision('gradebook_admin'), makeContext());
    await applyActions(gradebook, { heat: fakeHeat().heat, logger, incidentSet: 'incidents' });
    const all = lines();
    expect(all.find((l) => l.event === 'override')).toMatchObject({
      ticketId: RECID,
      from: 'Telecommunications',
      to: 'School Technicians',
    });
    expect(all.find((l) => l.event === 'restricted')).toMatchObject({
      ticketId: RECID,
      moveTo: 'Gradebook Managers',
      ownerCleared: true,
    });
    expect(JSON.stringify(all)).not.toMatch(/Zyxwv|Quimby|555-0100/);
  });
});

describe('checkTenantFields', () => {
  const fields = makeRouting().fields;

  it('names the SBT fields missing from a sample record', async () => {
    const sample = makeTicket();
    delete sample.SBT_Override;
    delete sample.SBT_Confidence;
    const { heat, calls } = fakeHeat({ sample });
    expect((await checkTenantFields(heat, fields, 'incidents')).sort()).toEqual([
      'SBT_Confidence',
      'SBT_Override',
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.query).toEqual({ top: 1 });
  });

  it('a complete tenant lacks nothing; an empty tenant proves nothing', async () => {
    expect(await checkTenantFields(fakeHeat({ sample: makeTicket() }).heat, fields, 'incidents')).toEqual([]);
    expect(await checkTenantFields(fakeHeat({ sample: null }).heat, fields, 'incidents')).toEqual([]);
  });
});
