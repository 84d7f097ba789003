import { afterEach, describe, expect, inject, it } from 'vitest';
import { classifyTicket, compilePolicy } from '../../src/classify/index.js';
import { periodOf, readSchoolBounces } from '../../src/counts/index.js';
import { CATEGORY_IDS, type CategoryId, type HeatRecord } from '../../src/domain/index.js';
import type { HeatClient } from '../../src/heat/index.js';
import type { Simulator } from 'heat-simulator';
import {
  TICKET_TEXTS,
  createCapturingLogger,
  createTicket,
  routeDelta,
  schoolNames,
  startActionsPipeline,
  technicianLogins,
  type ActionsPipeline,
} from '../support/pipeline-fixture.js';

const redisUrl = inject('redisUrl');

const INTAKE = 'ITS Service Desk';
const TECHNICIANS = 'School Technicians';
/** Destinations in config/routing.yaml (issue 4 defaults). */
const DESTINATION: Record<CategoryId, string> = {
  hardware: TECHNICIANS,
  software_access: TECHNICIANS,
  telephone: 'Telecommunications',
  website: 'Web Services',
  office_development: 'School Administration',
  application_support: 'ITS Application Support',
  gradebook_admin: 'Gradebook Managers',
  unclassified: INTAKE,
};
/** The first words of each category's note template in config/routing.yaml: the policy it cites. */
const NOTE_CITES: Partial<Record<CategoryId, string>> = {
  telephone: 'Telephone system support is handled by Telecommunications',
  website: 'Creating and updating school web sites is handled by Web Services',
  office_development: 'Building databases, spreadsheets, presentations, templates and mail merges',
  application_support: 'How to use a business application, its data and its reports',
  gradebook_admin: 'Gradebook and grading work is restricted',
};

const F = {
  scope: 'SBT_Scope',
  category: 'SBT_Category',
  ruleId: 'SBT_RuleId',
  restricted: 'SBT_Restricted',
  decisionHash: 'SBT_DecisionHash',
  override: 'SBT_Override',
  routedTo: 'SBT_RoutedTo',
  policyVersion: 'SBT_PolicyVersion',
  confidence: 'SBT_Confidence',
} as const;

const empty = (v: unknown): boolean => v === null || v === undefined || v === '';

let fx: ActionsPipeline | undefined;
const extraClose: Array<() => Promise<void>> = [];
afterEach(async () => {
  await fx?.close();
  fx = undefined;
  for (const close of extraClose.splice(0)) await close();
});

async function pollAndDrain(p: ActionsPipeline): Promise<{ seen: number; enqueued: number }> {
  const result = await p.service.pollNow();
  expect(await p.service.waitForIdle(30_000), 'queue did not drain').toBe(true);
  return result;
}

function ticket(sim: Simulator, recId: string): HeatRecord {
  const t = sim.get('incidents', recId);
  if (!t) throw new Error(`ticket ${recId} is not in the simulator`);
  return t;
}

function notesOf(sim: Simulator, recId: string): HeatRecord[] {
  return sim.notesFor(recId);
}

/** A ticket of a category's text, created as the portal would, then placed where a person put it. */
async function ticketOf(
  sim: Simulator,
  category: CategoryId,
  place: {
    school: string;
    team?: string;
    owner?: string;
    status?: string;
    by?: string;
  },
): Promise<string> {
  const created = await createTicket(sim, {
    ...TICKET_TEXTS[category],
    OrganizationUnitID: place.school,
  });
  const recId = String(created.RecId);
  const fields: Record<string, unknown> = {};
  if (place.team) fields.OwnerTeam = place.team;
  if (place.owner) fields.Owner = place.owner;
  if (place.status) fields.Status = place.status;
  if (Object.keys(fields).length > 0) sim.actAsPerson(recId, place.by ?? deskPerson(sim), fields);
  return recId;
}

/** A login of the intake team other than ours (a person at the service desk). */
function deskPerson(sim: Simulator): string {
  const person = sim.list('employees').find((e) => e.Team === INTAKE && String(e.LoginID) !== 'sbt-router');
  if (!person) throw new Error('the seeded tenant has no service desk person');
  return String(person.LoginID);
}

function expectNoTicketText(text: string, what: string): void {
  for (const t of Object.values(TICKET_TEXTS)) {
    expect(text, `${what} quotes a ticket's Subject`).not.toContain(t.Subject);
    expect(text, `${what} quotes a ticket's Symptom`).not.toContain(t.Symptom.slice(0, 30));
  }
}

async function overridesCounted(p: ActionsPipeline, category: CategoryId): Promise<number> {
  const text = await p.service.metrics.render();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('sbt_overrides_total{') && l.includes(`category="${category}"`));
  return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}

describe('acting on decisions: simulator over HTTP, real Redis, the real service', () => {
  it('the ticket texts classify as intended (precondition of every test below)', async () => {
    fx = await startActionsPipeline(redisUrl);
    const policy = compilePolicy(fx.config.routing, fx.config.policyVersion);
    for (const category of CATEGORY_IDS) {
      const decision = classifyTicket({ RecId: 'X', ...TICKET_TEXTS[category] }, policy);
      expect(decision.category, `TICKET_TEXTS.${category}`).toBe(category);
    }
  });

  it('each category ends with the right team, no technician Owner, tags and one internal note citing the policy; nothing logs ticket text', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, {
      logger: capture.logger,
      // Poll rows never count as too old here: the call figures must not depend on the machine's speed.
      service: { worker: { carriedRecordMaxAgeSeconds: 3600 } },
    });
    const { sim, service, config } = fx;
    const [school] = schoolNames(sim);
    const [tech] = technicianLogins(sim);
    expect(school).toBeDefined();
    expect(tech).toBeDefined();

    const atIntake = new Map<CategoryId, string>();
    const atTechnicians = new Map<CategoryId, string>();
    for (const category of CATEGORY_IDS) {
      atIntake.set(category, await ticketOf(sim, category, { school: school! }));
      atTechnicians.set(
        category,
        await ticketOf(sim, category, { school: school!, team: TECHNICIANS, owner: tech! }),
      );
    }
    const before = sim.stats();
    await pollAndDrain(fx);
    expect(await service.queue.queue.getFailedCount()).toBe(0);

    const expectedNotes = (category: CategoryId, from: 'intake' | 'technicians'): number => {
      if (category === 'unclassified') return 0;
      // In-scope work already with the technicians stays there (tags only).
      if (DESTINATION[category] === TECHNICIANS && from === 'technicians') return 0;
      return 1;
    };

    let moves = 0;
    for (const category of CATEGORY_IDS) {
      for (const [from, recId] of [
        ['intake', atIntake.get(category)!],
        ['technicians', atTechnicians.get(category)!],
      ] as const) {
        const t = ticket(sim, recId);
        const label = `${category} from ${from}`;
        const wantTeam =
          category === 'unclassified' ? (from === 'intake' ? INTAKE : TECHNICIANS) : DESTINATION[category];
        expect(t.OwnerTeam, label).toBe(wantTeam);
        expect(t[F.category], label).toBe(category);
        expect(t[F.policyVersion], label).toBe(config.policyVersion);
        expect(t[F.decisionHash], label).toMatch(/^[0-9a-f]{12}$/);
        expect(t[F.restricted], label).toBe(category === 'gradebook_admin');
        const notes = notesOf(sim, recId);
        expect(notes, `${label}: notes`).toHaveLength(expectedNotes(category, from));
        if (notes.length === 1) {
          moves += 1;
          expect(empty(t.Owner), `${label}: Owner cleared on a move`).toBe(true);
          expect(t[F.routedTo], label).toBe(wantTeam);
          const note = notes[0]!;
          expect(note.PublishToWeb, `${label}: note must be internal`).toBe(false);
          expect(note.Subject).toBe(`Routed to ${wantTeam} by the SBT scope policy`);
          const body = String(note.NotesBody);
          const cites = NOTE_CITES[category];
          if (cites) expect(body, label).toContain(cites);
          expect(body, label).toContain(`rule ${String(t[F.ruleId])}`);
          expect(body, label).toContain(`version ${config.policyVersion}`);
          expect(body, label).toContain(school!);
          expect(body, label).toContain(`[sbt-router decision ${String(t[F.decisionHash])}]`);
          expectNoTicketText(body, `${label}: note`);
        } else if (from === 'technicians') {
          // Left where a person put it: the technician still owns it.
          expect(t.Owner, label).toBe(tech);
        }
      }
    }
    // 16 tickets: 12 moved (6 out-of-scope/restricted x 2 places, 2 in-scope from intake).
    expect(moves).toBe(12);
    const after = sim.stats();
    // No reads: each poll row carries what the worker needs.
    expect(routeDelta(before, after, 'GET incidents key')).toBe(0);
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(16);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(12);
    expect(after.byStatus['400'] ?? 0).toBe(0);

    const lines = capture.lines();
    expect(lines.filter((l) => l.event === 'ticket_processed')).toHaveLength(16);
    expect(lines.filter((l) => l.event === 'moved' || l.event === 'restricted').length).toBe(12);
    expectNoTicketText(JSON.stringify(lines), 'a log line');
  });

  it('HEAT calls per ticket: stays in scope 1 PATCH, moved + 1 note, echo 0 (the poll row stands in for a read)', async () => {
    fx = await startActionsPipeline(redisUrl, { service: { worker: { carriedRecordMaxAgeSeconds: 3600 } } });
    const { sim } = fx;
    const [school] = schoolNames(sim);
    const [tech] = technicianLogins(sim);

    const stays = await ticketOf(sim, 'hardware', { school: school!, team: TECHNICIANS, owner: tech! });
    let before = sim.stats();
    await pollAndDrain(fx);
    let after = sim.stats();
    expect(ticket(sim, stays).OwnerTeam).toBe(TECHNICIANS);
    expect(routeDelta(before, after, 'GET incidents key')).toBe(0);
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(1);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(0);

    const moved = await ticketOf(sim, 'website', { school: school! });
    before = sim.stats();
    await pollAndDrain(fx);
    after = sim.stats();
    expect(ticket(sim, moved).OwnerTeam).toBe('Web Services');
    expect(routeDelta(before, after, 'GET incidents key')).toBe(0);
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(1);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(1);
    expect(routeDelta(before, after, 'GET journal__notess collection')).toBe(0);

    // Echo: both tickets come back in the poll (our writes stamped them); neither costs a job.
    before = sim.stats();
    const echo = await pollAndDrain(fx);
    after = sim.stats();
    expect(echo.seen).toBeGreaterThanOrEqual(2);
    expect(echo.enqueued).toBe(0);
    expect(routeDelta(before, after, 'GET incidents key')).toBe(0);
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(0);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(0);
    // Nothing but the poll's own pages touched incidents or notes.
    const touched = Object.keys(after.byRoute).filter(
      (route) =>
        /incidents|journal__notess/.test(route) &&
        route !== 'GET incidents collection' &&
        routeDelta(before, after, route) !== 0,
    );
    expect(touched).toEqual([]);
  });

  it('echo polls and duplicate jobs change nothing and cost no write', async () => {
    fx = await startActionsPipeline(redisUrl);
    const { sim, service } = fx;
    const [school] = schoolNames(sim);
    const ids = [
      await ticketOf(sim, 'telephone', { school: school! }),
      await ticketOf(sim, 'gradebook_admin', { school: school! }),
      await ticketOf(sim, 'hardware', { school: school! }),
      await ticketOf(sim, 'unclassified', { school: school! }),
    ];
    await pollAndDrain(fx);
    const settled = ids.map((id) => ticket(sim, id));
    const notes = ids.map((id) => notesOf(sim, id).length);
    expect(notes).toEqual([1, 1, 1, 0]);

    let before = sim.stats();
    for (let i = 0; i < 2; i += 1) {
      const echo = await pollAndDrain(fx);
      expect(echo.enqueued).toBe(0);
    }
    let after = sim.stats();
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(0);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(0);
    expect(routeDelta(before, after, 'GET incidents key')).toBe(0);

    // Duplicate jobs for the same tickets (webhook + redelivery + backfill of the same version).
    before = sim.stats();
    for (const recId of ids) {
      await service.queue.enqueue({ recId, source: 'webhook' });
      await service.queue.enqueue({ recId, source: 'backfill' });
    }
    expect(await service.waitForIdle(30_000)).toBe(true);
    await service.queue.enqueue({ recId: ids[0]!, source: 'poll' });
    expect(await service.waitForIdle(30_000)).toBe(true);
    after = sim.stats();
    // The jobs did run (they read the ticket) and found nothing to write.
    expect(routeDelta(before, after, 'GET incidents key')).toBeGreaterThanOrEqual(ids.length + 1);
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(0);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(0);
    expect(await service.queue.queue.getFailedCount()).toBe(0);
    expect(ids.map((id) => ticket(sim, id))).toEqual(settled);
    expect(ids.map((id) => notesOf(sim, id).length)).toEqual(notes);
  });

  it('retried jobs (crash after the PATCH, after the note, or a lost PATCH answer) end like one clean run, with one note', async () => {
    type Fault = 'before-note' | 'after-note' | 'patch-answer-lost';
    const faultFor = new Map<string, Fault>();
    const injected: Fault[] = [];
    const wrapHeat = (heat: HeatClient): HeatClient => ({
      ...heat,
      async update(set, recId, fields) {
        const updated = await heat.update(set, recId, fields);
        if (faultFor.get(recId) === 'patch-answer-lost') {
          faultFor.delete(recId);
          injected.push('patch-answer-lost');
          // The PATCH committed in HEAT, then the answer was lost (a timeout): the job fails and retries.
          throw new Error('simulated socket timeout after HEAT committed the PATCH');
        }
        return updated;
      },
      async createNote(note) {
        const fault = faultFor.get(note.parentRecId);
        if (fault === 'before-note') {
          faultFor.delete(note.parentRecId);
          injected.push(fault);
          throw new Error('simulated worker crash between the PATCH and the note');
        }
        const created = await heat.createNote(note);
        if (fault === 'after-note') {
          faultFor.delete(note.parentRecId);
          injected.push(fault);
          throw new Error('simulated crash after HEAT stored the note, before the job completed');
        }
        return created;
      },
    });
    fx = await startActionsPipeline(redisUrl, { wrapHeat });
    const { sim, service } = fx;
    const [school] = schoolNames(sim);
    const [tech] = technicianLogins(sim);
    const place = { school: school!, team: TECHNICIANS, owner: tech! };

    const clean = await ticketOf(sim, 'telephone', place);
    const faulted: Record<Fault, string> = {
      'before-note': await ticketOf(sim, 'telephone', place),
      'after-note': await ticketOf(sim, 'telephone', place),
      'patch-answer-lost': await ticketOf(sim, 'telephone', place),
    };
    for (const [fault, recId] of Object.entries(faulted)) faultFor.set(recId, fault as Fault);

    const before = sim.stats();
    await pollAndDrain(fx);
    const after = sim.stats();
    expect(injected.sort()).toEqual(['after-note', 'before-note', 'patch-answer-lost']);
    expect(await service.queue.queue.getFailedCount()).toBe(0);
    const completed = await service.queue.queue.getCompleted();
    const attemptsOf = (recId: string) =>
      completed.find((j) => (j.data as { recId: string }).recId === recId)?.attemptsMade;
    const cleanAttempts = attemptsOf(clean);
    expect(cleanAttempts).toBeGreaterThanOrEqual(1);
    for (const recId of Object.values(faulted)) {
      expect(attemptsOf(recId), `job of ${recId} ran twice`).toBe(cleanAttempts! + 1);
    }

    // What a clean run leaves, less the stamps that differ by time.
    const state = (recId: string) => {
      const t = ticket(sim, recId);
      return {
        OwnerTeam: t.OwnerTeam,
        Owner: empty(t.Owner) ? '' : t.Owner,
        ...Object.fromEntries(Object.values(F).map((f) => [f, t[f]])),
        notes: notesOf(sim, recId).map((n) => ({ Subject: n.Subject, NotesBody: n.NotesBody })),
      };
    };
    const want = state(clean);
    expect(want.OwnerTeam).toBe('Telecommunications');
    expect(want.notes).toHaveLength(1);
    for (const [fault, recId] of Object.entries(faulted)) {
      expect(state(recId), `after ${fault}`).toEqual(want);
    }
    // One PATCH per ticket (the retries find the move already made), and exactly one note each.
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(4);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(4);
    // Each retry checked the ticket's notes before writing one.
    expect(routeDelta(before, after, 'GET journal__notess collection')).toBe(3);
  });

  it('a destination HEAT does not know: tags written without the move, no note, job completed, ticket parked, error logged', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, {
      logger: capture.logger,
      routingEdits: [[['categories', 'telephone', 'destination'], 'Phone Team']],
    });
    const { sim, service, config } = fx;
    expect(config.routing.categories.telephone?.destination).toBe('Phone Team');
    const [school] = schoolNames(sim);
    const refused = await ticketOf(sim, 'telephone', { school: school! });
    const control = await ticketOf(sim, 'website', { school: school! });
    const untouched = ticket(sim, refused);
    const teamBefore = untouched.OwnerTeam;

    const before = sim.stats();
    await pollAndDrain(fx);
    const after = sim.stats();

    const t = ticket(sim, refused);
    expect(t.OwnerTeam, 'not moved').toBe(teamBefore);
    expect(t[F.category]).toBe('telephone');
    expect(t[F.scope]).toBe('out_of_scope');
    expect(t[F.routedTo], 'no routing mark for a move that did not happen').toBe(untouched[F.routedTo]);
    expect(notesOf(sim, refused)).toHaveLength(0);
    expect(ticket(sim, control).OwnerTeam).toBe('Web Services');
    expect(notesOf(sim, control)).toHaveLength(1);

    expect(await service.queue.queue.getFailed()).toHaveLength(0);
    // Three PATCHes: the refused one (400), the tags-only retry and the control's.
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(3);
    expect((after.byStatus['400'] ?? 0) - (before.byStatus['400'] ?? 0)).toBe(1);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(1);
    expect([...(await service.parked.list()).keys()]).toEqual([refused]);

    const refusal = capture.lines().find((l) => l.event === 'heat_refused');
    expect(refusal, 'heat_refused log line').toBeDefined();
    expect(refusal!.ticketId).toBe(refused);
    expect(String(refusal!.heatMessage)).toContain('Phone Team');
    expect(capture.lines().find((l) => l.event === 'move_refused')).toMatchObject({
      ticketId: refused,
      moveTo: 'Phone Team',
      reason: 'unknown_destination',
    });

    // Our tags-only write echoes back: the next poll queues nothing (a reload or a backfill re-drives it).
    const next = await pollAndDrain(fx);
    expect(next.enqueued).toBe(0);
    expect(routeDelta(after, sim.stats(), 'PATCH incidents')).toBe(0);
  });

  it('a person moving a routed ticket is respected and recorded once (field, log line, counter)', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, { logger: capture.logger });
    const { sim } = fx;
    const [school] = schoolNames(sim);
    const person = deskPerson(sim);
    const recId = await ticketOf(sim, 'telephone', { school: school! });
    await pollAndDrain(fx);
    expect(ticket(sim, recId).OwnerTeam).toBe('Telecommunications');
    expect(await overridesCounted(fx, 'telephone')).toBe(0);
    // The school's bounce counts: routed by us, not overridden yet (the school may have other tickets).
    const period = periodOf(String(ticket(sim, recId).CreatedDateTime), fx.config.service.counts);
    const bounceOfSchool = async () =>
      (await readSchoolBounces(fx!.service.redis, fx!.prefix, period)).find((r) => r.school === school);
    const routedBefore = (await bounceOfSchool())?.routed ?? 0;
    const overridesBefore = (await bounceOfSchool())?.overrides ?? 0;
    expect(routedBefore).toBeGreaterThanOrEqual(1);

    sim.actAsPerson(recId, person, { OwnerTeam: 'Network Operations' });
    let before = sim.stats();
    const poll = await pollAndDrain(fx);
    let after = sim.stats();
    expect(poll.enqueued).toBe(1);
    const t = ticket(sim, recId);
    expect(t.OwnerTeam, 'not moved back').toBe('Network Operations');
    expect(t[F.override]).toBe('Network Operations');
    expect(t[F.routedTo]).toBe('Telecommunications');
    expect(notesOf(sim, recId)).toHaveLength(1);
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(1);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(0);
    expect(await overridesCounted(fx, 'telephone')).toBe(1);
    expect(await bounceOfSchool()).toMatchObject({ routed: routedBefore, overrides: overridesBefore + 1 });
    const logged = capture.lines().filter((l) => l.event === 'override');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      ticketId: recId,
      from: 'Telecommunications',
      to: 'Network Operations',
    });

    // The person keeps working on it (a field that changes no decision): nothing is written or counted.
    sim.actAsPerson(recId, person, { Urgency: 'High' });
    before = sim.stats();
    expect((await pollAndDrain(fx)).enqueued).toBe(1);
    after = sim.stats();
    expect(ticket(sim, recId).OwnerTeam).toBe('Network Operations');
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(0);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(0);
    expect(await overridesCounted(fx, 'telephone')).toBe(1);
    expect(capture.lines().filter((l) => l.event === 'override')).toHaveLength(1);
    // Processed again, the overridden ticket counts nothing more.
    expect(await bounceOfSchool()).toMatchObject({ routed: routedBefore, overrides: overridesBefore + 1 });
    expectNoTicketText(JSON.stringify(capture.lines()), 'a log line');
  });

  it('gradebook tickets never end with a technician, even when a person moves one there (restricted beats override)', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, { logger: capture.logger });
    const { sim } = fx;
    const [school] = schoolNames(sim);
    const techs = technicianLogins(sim);
    const person = deskPerson(sim);
    const ids = {
      intake: await ticketOf(sim, 'gradebook_admin', { school: school! }),
      technicianOwner: await ticketOf(sim, 'gradebook_admin', {
        school: school!,
        team: TECHNICIANS,
        owner: techs[0]!,
      }),
      technicianTeam: await ticketOf(sim, 'gradebook_admin', { school: school!, team: TECHNICIANS }),
      // A person filed it with another non-technician team: restricted work may stay there.
      elsewhere: await ticketOf(sim, 'gradebook_admin', {
        school: school!,
        team: 'ITS Application Support',
      }),
    };
    await pollAndDrain(fx);
    const noTechnician = (label: string) => {
      for (const [where, recId] of Object.entries(ids)) {
        const t = ticket(sim, recId);
        expect(t.OwnerTeam, `${label}: ${where}`).not.toBe(TECHNICIANS);
        expect(techs, `${label}: ${where} Owner`).not.toContain(t.Owner);
        expect(t[F.restricted], `${label}: ${where}`).toBe(true);
      }
    };
    noTechnician('first run');
    expect(ticket(sim, ids.intake).OwnerTeam).toBe('Gradebook Managers');
    expect(ticket(sim, ids.technicianOwner).OwnerTeam).toBe('Gradebook Managers');
    expect(ticket(sim, ids.technicianTeam).OwnerTeam).toBe('Gradebook Managers');
    expect(ticket(sim, ids.elsewhere).OwnerTeam).toBe('ITS Application Support');
    expect(notesOf(sim, ids.elsewhere)).toHaveLength(0);

    // A person hands a routed gradebook ticket to a technician.
    sim.actAsPerson(ids.technicianOwner, person, { OwnerTeam: TECHNICIANS, Owner: techs[0]! });
    const before = sim.stats();
    expect((await pollAndDrain(fx)).enqueued).toBe(1);
    const after = sim.stats();
    const t = ticket(sim, ids.technicianOwner);
    expect(t.OwnerTeam, 'moved away from the technicians again').toBe('Gradebook Managers');
    expect(empty(t.Owner), 'technician Owner cleared').toBe(true);
    expect(t[F.override], 'the disagreement is still recorded').toBe(TECHNICIANS);
    expect(await overridesCounted(fx, 'gradebook_admin')).toBe(1);
    // One PATCH carries team, Owner and override; one note per move.
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(1);
    expect(notesOf(sim, ids.technicianOwner)).toHaveLength(2);
    noTechnician('after the person moved one to a technician');

    for (const recId of Object.values(ids)) {
      for (const note of notesOf(sim, recId)) expectNoTicketText(String(note.NotesBody), 'a gradebook note');
    }
    const restrictedLines = capture.lines().filter((l) => l.event === 'restricted');
    expect(restrictedLines.length).toBeGreaterThanOrEqual(4);
    expectNoTicketText(JSON.stringify(capture.lines()), 'a log line');

    // And it stays put: the echo costs nothing.
    const echoBefore = sim.stats();
    expect((await pollAndDrain(fx)).enqueued).toBe(0);
    expect(routeDelta(echoBefore, sim.stats(), 'PATCH incidents')).toBe(0);
  });

  it('a person editing the text: re-classified; rerouted only while the routing is ours', async () => {
    fx = await startActionsPipeline(redisUrl);
    const { sim } = fx;
    const [school] = schoolNames(sim);
    const [tech] = technicianLogins(sim);
    const person = deskPerson(sim);

    const ours = await ticketOf(sim, 'hardware', { school: school! });
    const overridden = await ticketOf(sim, 'telephone', { school: school! });
    const placed = await ticketOf(sim, 'hardware', { school: school!, team: TECHNICIANS, owner: tech! });
    const oursToTechnicians = await ticketOf(sim, 'telephone', { school: school! });
    const oursToTriage = await ticketOf(sim, 'website', { school: school! });
    await pollAndDrain(fx);
    expect(ticket(sim, oursToTechnicians).OwnerTeam).toBe('Telecommunications');
    expect(ticket(sim, oursToTriage).OwnerTeam).toBe('Web Services');
    expect(ticket(sim, ours).OwnerTeam).toBe(TECHNICIANS);
    expect(ticket(sim, ours)[F.routedTo]).toBe(TECHNICIANS);
    sim.actAsPerson(overridden, person, { OwnerTeam: 'Network Operations' });
    await pollAndDrain(fx);
    expect(ticket(sim, overridden)[F.override]).toBe('Network Operations');
    const placedBefore = ticket(sim, placed);

    // Text edits: the hardware ticket we routed is really a phone problem; the overridden phone ticket
    // is really about the web site; the placed ticket gets a reworded subject (same decision).
    sim.actAsPerson(ours, person, { ...TICKET_TEXTS.telephone });
    sim.actAsPerson(overridden, person, { ...TICKET_TEXTS.website });
    sim.actAsPerson(placed, person, { Subject: `${TICKET_TEXTS.hardware.Subject} (room 12B)` });
    // Phone ticket we routed turns out to be a broken projector; web ticket we routed becomes vague.
    sim.actAsPerson(oursToTechnicians, person, { ...TICKET_TEXTS.hardware });
    sim.actAsPerson(oursToTriage, person, { ...TICKET_TEXTS.unclassified });
    const before = sim.stats();
    expect((await pollAndDrain(fx)).enqueued).toBe(5);
    const after = sim.stats();

    const a = ticket(sim, ours);
    expect(a[F.category]).toBe('telephone');
    expect(a.OwnerTeam, 'routing still ours: follows the new decision').toBe('Telecommunications');
    expect(a[F.routedTo]).toBe('Telecommunications');
    expect(empty(a.Owner)).toBe(true);
    expect(notesOf(sim, ours)).toHaveLength(2);

    const b = ticket(sim, overridden);
    expect(b[F.category]).toBe('website');
    expect(b.OwnerTeam, 'a person chose the team: tags only').toBe('Network Operations');
    expect(notesOf(sim, overridden)).toHaveLength(1);

    const c = ticket(sim, placed);
    expect(c[F.decisionHash]).toBe(placedBefore[F.decisionHash]);
    expect(c.OwnerTeam).toBe(TECHNICIANS);
    expect(c.Owner).toBe(tech);

    const d = ticket(sim, oursToTechnicians);
    expect(d[F.category]).toBe('hardware');
    expect(d.OwnerTeam, 'routing still ours: in-scope work goes to the technicians').toBe(TECHNICIANS);
    expect(notesOf(sim, oursToTechnicians)).toHaveLength(2);

    const e = ticket(sim, oursToTriage);
    expect(e[F.category]).toBe('unclassified');
    expect(e.OwnerTeam, 'routing still ours: vague work goes back to triage').toBe(INTAKE);
    expect(notesOf(sim, oursToTriage)).toHaveLength(2);

    // PATCHes: a, d, e (move + tags), b (tags); notes: a, d, e; the unchanged decision (c) costs nothing.
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(4);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(3);
    expect(await fx.service.queue.queue.getFailedCount()).toBe(0);
  });

  it('final states (Resolved, Closed) are tagged but never moved, not even gradebook work', async () => {
    fx = await startActionsPipeline(redisUrl);
    const { sim } = fx;
    const [school] = schoolNames(sim);
    const [tech] = technicianLogins(sim);
    const ids = [
      await ticketOf(sim, 'telephone', { school: school!, status: 'Resolved' }),
      await ticketOf(sim, 'website', { school: school!, team: TECHNICIANS, owner: tech!, status: 'Closed' }),
      await ticketOf(sim, 'gradebook_admin', {
        school: school!,
        team: TECHNICIANS,
        owner: tech!,
        status: 'Closed',
      }),
      await ticketOf(sim, 'hardware', { school: school!, status: 'Closed' }),
    ];
    const beforeTickets = ids.map((id) => ticket(sim, id));
    const before = sim.stats();
    await pollAndDrain(fx);
    const after = sim.stats();
    for (const [i, recId] of ids.entries()) {
      const t = ticket(sim, recId);
      const was = beforeTickets[i]!;
      expect(t[F.decisionHash], 'tagged').toMatch(/^[0-9a-f]{12}$/);
      expect(t.OwnerTeam, 'not moved').toBe(was.OwnerTeam);
      expect(t.Owner, 'Owner kept').toBe(was.Owner);
      expect(t.Status).toBe(was.Status);
      expect(empty(t[F.routedTo]), 'no routing recorded').toBe(true);
      expect(notesOf(sim, recId)).toHaveLength(0);
    }
    expect(ids.map((id) => ticket(sim, id)[F.category])).toEqual([
      'telephone',
      'website',
      'gradebook_admin',
      'hardware',
    ]);
    expect(routeDelta(before, after, 'PATCH incidents')).toBe(4);
    expect(routeDelta(before, after, 'POST journal__notess')).toBe(0);
  });

  describe('modes and gates: tags only, no moves, no notes (except gradebook work with a technician)', () => {
    /** One ticket per category in intake and one with a technician, except gradebook work with a technician. */
    async function seedAll(sim: Simulator, school: string, tech: string): Promise<string[]> {
      const ids: string[] = [];
      for (const category of CATEGORY_IDS) {
        ids.push(await ticketOf(sim, category, { school }));
        if (category !== 'gradebook_admin')
          ids.push(await ticketOf(sim, category, { school, team: TECHNICIANS, owner: tech }));
      }
      return ids;
    }

    function expectTaggedOnly(sim: Simulator, ids: string[], was: HeatRecord[], label: string): void {
      for (const [i, recId] of ids.entries()) {
        const t = ticket(sim, recId);
        expect(t[F.category], `${label}: tagged`).not.toBeNull();
        expect(t[F.decisionHash], `${label}: tagged`).toMatch(/^[0-9a-f]{12}$/);
        expect(t.OwnerTeam, `${label}: not moved`).toBe(was[i]!.OwnerTeam);
        expect(t.Owner, `${label}: Owner kept`).toBe(was[i]!.Owner);
        expect(empty(t[F.routedTo]), `${label}: no routing recorded`).toBe(true);
        expect(notesOf(sim, recId), `${label}: no note`).toHaveLength(0);
      }
    }

    /**
     * Issue 4 §3: a restricted decision ALWAYS removes a technician team or technician Owner; the gates
     * (§7) only stop routing. So gradebook work sitting with a technician leaves even in shadow mode,
     * under the kill switch and outside the allow list (final states excepted: see the test above).
     */
    function expectGradebookProtected(sim: Simulator, recId: string, label: string): void {
      const t = ticket(sim, recId);
      expect(t[F.restricted], label).toBe(true);
      expect(t.OwnerTeam, `${label}: gradebook work left the technicians`).toBe('Gradebook Managers');
      expect(empty(t.Owner), `${label}: technician Owner cleared`).toBe(true);
    }

    it('shadow mode moves nothing; switched to enforce, a backfill moves the same tickets once', async () => {
      fx = await startActionsPipeline(redisUrl, { service: { mode: 'shadow' } });
      const { sim } = fx;
      const [school] = schoolNames(sim);
      const [tech] = technicianLogins(sim);
      const ids = await seedAll(sim, school!, tech!);
      const gradebook = await ticketOf(sim, 'gradebook_admin', {
        school: school!,
        team: TECHNICIANS,
        owner: tech!,
      });
      const was = ids.map((id) => ticket(sim, id));
      const before = sim.stats();
      await pollAndDrain(fx);
      const after = sim.stats();
      expectTaggedOnly(sim, ids, was, 'shadow');
      expectGradebookProtected(sim, gradebook, 'shadow');
      expect(routeDelta(before, after, 'PATCH incidents')).toBe(ids.length + 1);
      expect(routeDelta(before, after, 'POST journal__notess')).toBe(notesOf(sim, gradebook).length);
      const shadowHashes = ids.map((id) => ticket(sim, id)[F.decisionHash]);

      // Same tenant, the service restarted in enforce. The poll treats our shadow tag writes as echoes
      // (LastModBy = us), so the switch is applied by a backfill, as `sbt-router backfill` queues it.
      await fx.service.stop(5_000);
      const simToClose = sim;
      extraClose.push(() => simToClose.close());
      fx = await startActionsPipeline(redisUrl, { sim });
      await fx.service.queue.enqueueMany(
        [...ids, gradebook].map((recId) => ({ recId, source: 'backfill' as const })),
      );
      expect(await fx.service.waitForIdle(30_000)).toBe(true);
      expect(await fx.service.queue.queue.getFailedCount()).toBe(0);
      const moved = ids.filter((id, i) => ticket(sim, id).OwnerTeam !== was[i]!.OwnerTeam);
      // 15 tickets: 5 out-of-scope x 2 places + gradebook from intake + 2 in-scope from intake = 11 moves.
      expect(moved).toHaveLength(11);
      for (const recId of moved) expect(notesOf(sim, recId)).toHaveLength(1);
      expectGradebookProtected(sim, gradebook, 'enforce');
      // The fingerprint does not depend on where the ticket sits or on the mode.
      expect(ids.map((id) => ticket(sim, id)[F.decisionHash])).toEqual(shadowHashes);
    });

    it('the kill switch tags only', async () => {
      fx = await startActionsPipeline(redisUrl, { service: { schools: { allow: [], killSwitch: true } } });
      const { sim } = fx;
      const [school] = schoolNames(sim);
      const [tech] = technicianLogins(sim);
      const ids = await seedAll(sim, school!, tech!);
      const gradebook = await ticketOf(sim, 'gradebook_admin', {
        school: school!,
        team: TECHNICIANS,
        owner: tech!,
      });
      const was = ids.map((id) => ticket(sim, id));
      await pollAndDrain(fx);
      expectTaggedOnly(sim, ids, was, 'kill switch');
      expectGradebookProtected(sim, gradebook, 'kill switch');
    });

    it('the per-school allow list: allowed schools (any letter case) are routed, others only tagged', async () => {
      const probe = await startActionsPipeline(redisUrl);
      const [allowed, other] = schoolNames(probe.sim);
      const [tech] = technicianLogins(probe.sim);
      await probe.close();
      fx = await startActionsPipeline(redisUrl, {
        service: { schools: { allow: [allowed!.toUpperCase()], killSwitch: false } },
      });
      const { sim } = fx;
      // Same seed: the same schools and technicians.
      expect(schoolNames(sim)).toContain(other);
      const otherIds = await seedAll(sim, other!, tech!);
      const otherGradebook = await ticketOf(sim, 'gradebook_admin', {
        school: other!,
        team: TECHNICIANS,
        owner: tech!,
      });
      const was = otherIds.map((id) => ticket(sim, id));
      const allowedPhone = await ticketOf(sim, 'telephone', { school: allowed! });
      const allowedGradebook = await ticketOf(sim, 'gradebook_admin', {
        school: allowed!,
        team: TECHNICIANS,
        owner: tech!,
      });
      await pollAndDrain(fx);
      expectTaggedOnly(sim, otherIds, was, `school ${other!} not allowed`);
      expectGradebookProtected(sim, otherGradebook, `school ${other!} not allowed`);
      expect(ticket(sim, allowedPhone).OwnerTeam).toBe('Telecommunications');
      expect(notesOf(sim, allowedPhone)).toHaveLength(1);
      expectGradebookProtected(sim, allowedGradebook, 'allowed school');
      expect(notesOf(sim, allowedGradebook)).toHaveLength(1);
    });
  });
});
