import { describe, expect, it } from 'vitest';
import {
  planActions,
  planRollback,
  routingNoteVersion,
  type RollbackNote,
} from '../../../src/actions/index.js';
import type { Ticket } from '../../../src/domain/index.js';
import { afterOurWrite, afterPersonWrite, makeContext, makeDecision, makeTicket } from './action-fixtures.js';

const BAD = 'pv-bad';
const GOOD = 'pv-good';
const ctx = makeContext();

/** A ticket as the withdrawn version left it (routed, tagged) and the routing note it wrote. */
function routedBy(category: 'telephone' | 'website', ticket: Ticket = makeTicket()) {
  const plan = planActions(ticket, makeDecision(category, { policyVersion: BAD }), ctx);
  if (!plan.note) throw new Error('the bad version was expected to move the ticket');
  const note: RollbackNote = { subject: plan.note.subject, body: plan.note.body, createdMs: 1_000 };
  return { ticket: afterOurWrite(ticket, plan.fields), note };
}

const hardware = makeDecision('hardware', { policyVersion: GOOD });

describe('planRollback', () => {
  it('moves back what the withdrawn version moved, with one correcting note that ends in the decision marker', () => {
    const bad = routedBy('telephone');
    const r = planRollback(bad.ticket, hardware, [bad.note], BAD, ctx);
    expect(r.outcome).toBe('moved_back');
    expect(r.movedByVersion).toBe(true);
    expect(r.plan.moveTo).toBe('School Technicians');
    expect(r.plan.fields.OwnerTeam).toBe('School Technicians');
    expect(r.plan.fields.SBT_PolicyVersion).toBe(GOOD);
    expect(r.plan.fields.SBT_Category).toBe('hardware');
    expect(r.plan.noteMode).toBe('create');
    expect(r.plan.note?.subject).toBe('Moved back to School Technicians: policy pv-bad was withdrawn');
    const lines = r.plan.note?.body.split('\n') ?? [];
    expect(lines[0]).toBe('Moved back: policy pv-bad was withdrawn.');
    expect(lines.at(-2)).toBe('[sbt-router rollback of policy pv-bad]');
    expect(lines.at(-1)).toBe(`[sbt-router decision ${r.plan.fingerprint}]`);
    expect(lines).toContain(
      'Policy: SBT scope policy version pv-good; rule hardware-rule; category hardware.',
    );
  });

  it('a second run finds nothing to do: no write, no note', () => {
    const bad = routedBy('telephone');
    const first = planRollback(bad.ticket, hardware, [bad.note], BAD, ctx);
    const fixed = afterOurWrite(bad.ticket, first.plan.fields);
    const notes = [
      bad.note,
      { subject: first.plan.note!.subject, body: first.plan.note!.body, createdMs: 2_000 },
    ];
    const again = planRollback(fixed, hardware, notes, BAD, ctx);
    expect(again.outcome).toBe('unchanged');
    expect(again.plan.fields).toEqual({});
    expect(again.plan.note).toBeNull();
  });

  it('after a crash between the PATCH and the note, the next run writes the note alone', () => {
    const bad = routedBy('telephone');
    const first = planRollback(bad.ticket, hardware, [bad.note], BAD, ctx);
    const patched = afterOurWrite(bad.ticket, first.plan.fields);
    const r = planRollback(patched, hardware, [bad.note], BAD, ctx);
    expect(r.outcome).toBe('moved_back');
    expect(r.plan.fields).toEqual({});
    expect(r.plan.noteMode).toBe('create');
    expect(r.plan.note?.body).toBe(first.plan.note?.body);
  });

  it('a ticket the worker already moved back under the active policy gets no correcting note', () => {
    const bad = routedBy('telephone');
    const worker = planActions(bad.ticket, hardware, ctx);
    const fixed = afterOurWrite(bad.ticket, worker.fields);
    const notes = [bad.note, { subject: worker.note!.subject, body: worker.note!.body, createdMs: 2_000 }];
    const r = planRollback(fixed, hardware, notes, BAD, ctx);
    expect(r.outcome).toBe('unchanged');
    expect(r.plan.note).toBeNull();
  });

  it('a ticket a person moved since our routing is left alone: no field, no note', () => {
    const bad = routedBy('telephone');
    const moved = afterPersonWrite(bad.ticket, 'jdesk', { OwnerTeam: 'ITS Service Desk' });
    const r = planRollback(moved, hardware, [bad.note], BAD, ctx);
    expect(r.outcome).toBe('left_alone');
    expect(r.plan.fields).toEqual({});
    expect(r.plan.note).toBeNull();
    expect(r.currentTeam).toBe('ITS Service Desk');
    expect(r.routedTo).toBe('Telecommunications');
  });

  it('gradebook work a person put with a technician is still moved away (never left with technicians)', () => {
    const bad = routedBy('website');
    const moved = afterPersonWrite(bad.ticket, 'jdesk', { OwnerTeam: 'School Technicians' });
    const gradebook = makeDecision('gradebook_admin', { policyVersion: GOOD });
    const r = planRollback(moved, gradebook, [bad.note], BAD, ctx);
    expect(r.outcome).toBe('routed');
    expect(r.plan.moveTo).toBe('Gradebook Managers');
  });

  it('where the withdrawn version moved a ticket rightly, only the tags change, and never a note later', () => {
    const bad = routedBy('telephone');
    const phone = makeDecision('telephone', { policyVersion: GOOD });
    const r = planRollback(bad.ticket, phone, [bad.note], BAD, ctx);
    expect(r.outcome).toBe('retagged');
    expect(r.plan.note).toBeNull();
    expect(Object.keys(r.plan.fields).sort()).toEqual([
      'SBT_ClassifiedDateTime',
      'SBT_DecisionHash',
      'SBT_PolicyVersion',
    ]);
    const again = planRollback(afterOurWrite(bad.ticket, r.plan.fields), phone, [bad.note], BAD, ctx);
    expect(again.outcome).toBe('unchanged');
  });

  it('refuses to roll back the policy in force', () => {
    const bad = routedBy('telephone');
    expect(() =>
      planRollback(bad.ticket, makeDecision('hardware', { policyVersion: BAD }), [], BAD, ctx),
    ).toThrow('policy pv-bad is the active policy');
  });

  it('reads the version a routing note of ours cites, and nothing from other notes', () => {
    const bad = routedBy('telephone');
    expect(routingNoteVersion(bad.note.body)).toBe(BAD);
    expect(
      routingNoteVersion('Called the teacher back.\nPolicy: SBT scope policy version x; rule y'),
    ).toBeNull();
  });
});
