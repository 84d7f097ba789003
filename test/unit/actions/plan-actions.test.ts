import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decisionFingerprint, noteMarker, planActions } from '../../../src/actions/index.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { routingPolicySchema } from '../../../src/config/index.js';
import type { CategoryId } from '../../../src/domain/index.js';
import {
  ACCOUNT,
  NOW,
  afterOurWrite,
  afterPersonWrite,
  makeContext,
  makeDecision,
  makeRouting,
  makeTicket,
} from './action-fixtures.js';

const TAGS = [
  'SBT_Scope',
  'SBT_Category',
  'SBT_RuleId',
  'SBT_Confidence',
  'SBT_PolicyVersion',
  'SBT_Restricted',
  'SBT_DecisionHash',
  'SBT_ClassifiedDateTime',
];

describe('planActions: from intake', () => {
  const table: Array<{ category: CategoryId; team: string; kind: string; policyWords: string }> = [
    {
      category: 'telephone',
      team: 'Telecommunications',
      kind: 'move',
      policyWords: 'Telephone system support is handled by Telecommunications',
    },
    {
      category: 'website',
      team: 'Web Services',
      kind: 'move',
      policyWords: 'school web sites is handled by Web Services',
    },
    {
      category: 'application_support',
      team: 'ITS Application Support',
      kind: 'move',
      policyWords: 'handled by ITS Application Support',
    },
    {
      category: 'office_development',
      team: 'School Administration',
      kind: 'move',
      policyWords: 'not technician work',
    },
    {
      category: 'gradebook_admin',
      team: 'Gradebook Managers',
      kind: 'restrict',
      policyWords: 'technicians never receive grading access',
    },
    {
      category: 'hardware',
      team: 'School Technicians',
      kind: 'move',
      policyWords: 'school-based technician work',
    },
    {
      category: 'software_access',
      team: 'School Technicians',
      kind: 'move',
      policyWords: 'school-based technician work',
    },
  ];

  it.each(table)('$category -> $team with one internal note', ({ category, team, kind, policyWords }) => {
    const decision = makeDecision(category);
    const plan = planActions(makeTicket(), decision, makeContext());
    expect(plan.kind).toBe(kind);
    expect(plan.moveTo).toBe(team);
    expect(plan.fields.OwnerTeam).toBe(team);
    expect(plan.fields.Owner).toBe('');
    expect(plan.fields.SBT_RoutedTo).toBe(team);
    expect(plan.fields.SBT_Category).toBe(category);
    expect(plan.fields.SBT_Scope).toBe(decision.scope);
    expect(plan.fields.SBT_RuleId).toBe(`${category}-rule`);
    expect(plan.fields.SBT_Confidence).toBe(0.88);
    expect(plan.fields.SBT_PolicyVersion).toBe('pv-000000001');
    expect(plan.fields.SBT_Restricted).toBe(category === 'gradebook_admin');
    expect(plan.fields.SBT_DecisionHash).toBe(decisionFingerprint(decision, team));
    expect(plan.fields.SBT_ClassifiedDateTime).toBe(NOW.toISOString());
    expect(plan.noteMode).toBe('create');
    expect(plan.note?.publishToWeb).toBe(false);
    expect(plan.note?.subject).toBe(`Routed to ${team} by the SBT scope policy`);
    expect(plan.note?.body).toContain(policyWords);
    expect(plan.note?.body).toContain(`rule ${category}-rule`);
    expect(plan.note?.body).toContain(noteMarker(plan.fingerprint!));
    expect(plan.note?.body).toContain('Lincoln Elementary');
  });

  it('unclassified stays in intake for a person: tags only, no note, no routing claim', () => {
    const plan = planActions(makeTicket(), makeDecision('unclassified'), makeContext());
    expect(plan.kind).toBe('tag');
    expect(plan.moveTo).toBeNull();
    expect(plan.note).toBeNull();
    expect(Object.keys(plan.fields).sort()).toEqual([...TAGS].sort());
    expect(plan.fields.SBT_Scope).toBe('needs_review');
  });

  it('in-scope work goes to the per-school technicians team when one is configured', () => {
    const ctx = makeContext({
      routing: makeRouting({ perSchool: { 'Lincoln Elementary': 'Lincoln Technicians' } }),
    });
    const plan = planActions(makeTicket(), makeDecision('hardware'), ctx);
    expect(plan.fields.OwnerTeam).toBe('Lincoln Technicians');
    const other = planActions(
      makeTicket({ OrganizationUnitID: 'Roosevelt Middle School' }),
      makeDecision('hardware'),
      ctx,
    );
    expect(other.fields.OwnerTeam).toBe('School Technicians');
  });

  it('an empty OwnerTeam counts as intake', () => {
    const plan = planActions(makeTicket({ OwnerTeam: '' }), makeDecision('telephone'), makeContext());
    expect(plan.fields.OwnerTeam).toBe('Telecommunications');
  });
});

describe('planActions: tickets outside intake', () => {
  it('in-scope work already with a technician: tags only, Owner kept', () => {
    const ticket = makeTicket({ OwnerTeam: 'School Technicians', Owner: 'tmiller' });
    const plan = planActions(ticket, makeDecision('hardware'), makeContext());
    expect(plan.kind).toBe('tag');
    expect(Object.keys(plan.fields).sort()).toEqual([...TAGS].sort());
    expect(plan.note).toBeNull();
  });

  it('out-of-scope work with a technician is moved away and the technician Owner cleared', () => {
    const ticket = makeTicket({ OwnerTeam: 'School Technicians', Owner: 'tmiller' });
    const plan = planActions(ticket, makeDecision('website'), makeContext());
    expect(plan.kind).toBe('move');
    expect(plan.fields).toMatchObject({ OwnerTeam: 'Web Services', Owner: '', SBT_RoutedTo: 'Web Services' });
  });

  it('out-of-scope work a person placed in another team stays there (tags only)', () => {
    const ticket = makeTicket({ OwnerTeam: 'Network Operations', Owner: 'nops1' });
    const plan = planActions(ticket, makeDecision('telephone'), makeContext());
    expect(plan.kind).toBe('tag');
    expect(plan.fields.OwnerTeam).toBeUndefined();
    expect(plan.fields.SBT_RoutedTo).toBeUndefined();
  });

  it('out-of-scope work already at its destination: routing recorded, no move, no note', () => {
    const ticket = makeTicket({ OwnerTeam: 'Telecommunications' });
    const plan = planActions(ticket, makeDecision('telephone'), makeContext());
    expect(plan.kind).toBe('tag');
    expect(plan.fields.SBT_RoutedTo).toBe('Telecommunications');
    expect(plan.fields.OwnerTeam).toBeUndefined();
    expect(plan.note).toBeNull();
  });
});

describe('planActions: echo and idempotency', () => {
  const categories: CategoryId[] = [
    'hardware',
    'software_access',
    'telephone',
    'website',
    'office_development',
    'application_support',
    'gradebook_admin',
    'unclassified',
  ];

  it.each(categories)('%s: our own write echoing back is a noop with zero fields', (category) => {
    const decision = makeDecision(category);
    const first = planActions(makeTicket(), decision, makeContext());
    expect(Object.keys(first.fields).length).toBeGreaterThan(0);
    const echo = afterOurWrite(makeTicket(), {
      ...first.fields,
      SBT_ClassifiedDateTime: '2026-11-02T09:05:00-06:00',
    });
    const later = makeContext({ now: new Date('2026-11-02T16:00:00Z') });
    const second = planActions(echo, decision, later);
    expect(second.kind).toBe('noop');
    expect(second.fields).toEqual({});
    expect(second.moveTo).toBeNull();
    expect([undefined, 'if-missing']).toContain(second.noteMode);
  });

  it('values HEAT returns as strings still count as applied', () => {
    const decision = makeDecision('telephone');
    const first = planActions(makeTicket(), decision, makeContext());
    const echo = afterOurWrite(makeTicket(), {
      ...first.fields,
      SBT_Confidence: '0.88',
      SBT_Restricted: 'False',
      Owner: null,
      OwnerTeam: 'TELECOMMUNICATIONS',
    });
    expect(planActions(echo, decision, makeContext()).fields).toEqual({});
  });

  it('a ticket showing our move is planned with an if-missing note (found again by a retry)', () => {
    const decision = makeDecision('telephone');
    const first = planActions(makeTicket(), decision, makeContext());
    const second = planActions(afterOurWrite(makeTicket(), first.fields), decision, makeContext());
    expect(second.kind).toBe('noop');
    expect(second.noteMode).toBe('if-missing');
    expect(second.note?.body).toBe(first.note?.body);
  });

  it('a HEAT workflow restamping LastModBy after our write is still an echo', () => {
    const decision = makeDecision('website');
    const first = planActions(makeTicket(), decision, makeContext());
    const restamped = { ...afterOurWrite(makeTicket(), first.fields), LastModBy: 'InternalServices' };
    const plan = planActions(restamped, decision, makeContext());
    expect(plan.kind).toBe('noop');
    expect(plan.fields).toEqual({});
    expect(plan.noteMode).toBe('if-missing');
  });

  it('a person editing the text without changing the decision costs nothing', () => {
    const decision = makeDecision('telephone');
    const first = planActions(makeTicket(), decision, makeContext());
    const edited = afterPersonWrite(afterOurWrite(makeTicket(), first.fields), 'jteacher', {
      Subject: 'new words',
    });
    const plan = planActions(edited, decision, makeContext());
    expect(plan.kind).toBe('noop');
    expect(plan.fields).toEqual({});
    expect([undefined, 'if-missing']).toContain(plan.noteMode);
  });

  it('a policy version change re-tags without moving or noting', () => {
    const first = planActions(makeTicket(), makeDecision('telephone'), makeContext());
    const applied = afterOurWrite(makeTicket(), first.fields);
    const next = makeDecision('telephone', { policyVersion: 'pv-000000002' });
    const plan = planActions(applied, next, makeContext());
    expect(plan.kind).toBe('tag');
    expect(Object.keys(plan.fields).sort()).toEqual([
      'SBT_ClassifiedDateTime',
      'SBT_DecisionHash',
      'SBT_PolicyVersion',
    ]);
    expect(plan.fields.SBT_PolicyVersion).toBe('pv-000000002');
    expect(plan.note).toBeNull();
  });

  it('fingerprints are stable, short, and change with the decision or destination', () => {
    const d = makeDecision('telephone');
    expect(decisionFingerprint(d, 'Telecommunications')).toMatch(/^[0-9a-f]{12}$/);
    expect(decisionFingerprint(d, 'Telecommunications')).toBe(
      decisionFingerprint({ ...d, reasons: [] }, 'Telecommunications'),
    );
    expect(decisionFingerprint({ ...d, confidence: 0.8801 }, 'Telecommunications')).toBe(
      decisionFingerprint(d, 'Telecommunications'),
    );
    const variants = [
      decisionFingerprint(d, 'Web Services'),
      decisionFingerprint({ ...d, ruleId: 'other' }, 'Telecommunications'),
      decisionFingerprint({ ...d, policyVersion: 'x' }, 'Telecommunications'),
      decisionFingerprint({ ...d, confidence: 0.5 }, 'Telecommunications'),
      decisionFingerprint(d, null),
    ];
    expect(new Set([decisionFingerprint(d, 'Telecommunications'), ...variants]).size).toBe(6);
  });

  it('a kept fingerprint is the SHA-256 of the canonical decision, on the first call and after', () => {
    const d = makeDecision('telephone');
    const canonical = JSON.stringify([
      'v1',
      d.category,
      d.scope,
      d.ruleId,
      Math.round(d.confidence * 100) / 100,
      d.restricted,
      d.policyVersion,
      'Telecommunications',
    ]);
    const expected = createHash('sha256').update(canonical).digest('hex').slice(0, 12);
    const fresh = { ...d, policyVersion: `pv-${expected}` };
    const freshExpected = createHash('sha256')
      .update(canonical.replace(JSON.stringify(d.policyVersion), JSON.stringify(fresh.policyVersion)))
      .digest('hex')
      .slice(0, 12);
    for (let i = 0; i < 3; i += 1) {
      expect(decisionFingerprint(d, 'Telecommunications')).toBe(expected);
      expect(decisionFingerprint(fresh, 'Telecommunications')).toBe(freshExpected);
    }
  });
});

describe('planActions: human overrides and re-classification', () => {
  const decision = makeDecision('telephone');
  const routed = (): ReturnType<typeof makeTicket> =>
    afterOurWrite(makeTicket(), planActions(makeTicket(), decision, makeContext()).fields);

  it('a person moving the ticket after us is recorded once, never undone', () => {
    const moved = afterPersonWrite(routed(), 'sdesk1', { OwnerTeam: 'School Technicians', Owner: 'tmiller' });
    const plan = planActions(moved, decision, makeContext());
    expect(plan.kind).toBe('override');
    expect(plan.fields).toEqual({
      SBT_Override: 'School Technicians',
      SBT_ClassifiedDateTime: NOW.toISOString(),
    });
    expect(plan.override).toEqual({ from: 'Telecommunications', to: 'School Technicians' });
    expect(plan.note).toBeNull();

    // Our write of SBT_Override stamps LastModBy = us: still the person's choice, and nothing more to do.
    const recorded = afterOurWrite(moved, plan.fields);
    const again = planActions(recorded, decision, makeContext());
    expect(again.kind).toBe('noop');
    expect(again.fields).toEqual({});
    expect(again.override).toBeNull();
  });

  it('after an override, a text edit re-tags but still does not move', () => {
    const moved = afterPersonWrite(routed(), 'sdesk1', { OwnerTeam: 'Network Operations' });
    const recorded = afterOurWrite(moved, planActions(moved, decision, makeContext()).fields);
    const edited = afterPersonWrite(recorded, 'jteacher', { Subject: 'now about the web site' });
    const plan = planActions(edited, makeDecision('website'), makeContext());
    expect(plan.kind).toBe('tag');
    expect(plan.fields.OwnerTeam).toBeUndefined();
    expect(plan.fields.SBT_Category).toBe('website');
    expect(plan.fields.SBT_Override).toBeUndefined();
  });

  it('re-classification reroutes a ticket whose routing is still ours', () => {
    const edited = afterPersonWrite(routed(), 'jteacher', { Subject: 'actually the web site' });
    const plan = planActions(edited, makeDecision('website'), makeContext());
    expect(plan.kind).toBe('move');
    expect(plan.fields).toMatchObject({
      OwnerTeam: 'Web Services',
      Owner: '',
      SBT_RoutedTo: 'Web Services',
      SBT_Category: 'website',
    });
    expect(plan.noteMode).toBe('create');
  });

  it('re-classified to in-scope: our routing sends it on to the technicians', () => {
    const edited = afterPersonWrite(routed(), 'jteacher', {});
    const plan = planActions(edited, makeDecision('hardware'), makeContext());
    expect(plan.fields.OwnerTeam).toBe('School Technicians');
  });

  it('a HEAT write that did not stick (LastModBy us, team not ours) is re-applied, not taken as an override', () => {
    const odd = afterOurWrite(routed(), { OwnerTeam: 'ITS Service Desk' });
    const plan = planActions(odd, decision, makeContext());
    expect(plan.kind).toBe('move');
    expect(plan.fields.OwnerTeam).toBe('Telecommunications');
    expect(plan.override).toBeNull();
  });

  it('restricted beats a person moving gradebook work to the technicians', () => {
    const gradebook = makeDecision('gradebook_admin');
    const first = afterOurWrite(makeTicket(), planActions(makeTicket(), gradebook, makeContext()).fields);
    const moved = afterPersonWrite(first, 'sdesk1', { OwnerTeam: 'School Technicians', Owner: 'tmiller' });
    const plan = planActions(moved, gradebook, makeContext());
    expect(plan.kind).toBe('restrict');
    expect(plan.fields).toMatchObject({
      OwnerTeam: 'Gradebook Managers',
      Owner: '',
      SBT_Override: 'School Technicians',
    });
    expect(plan.noteMode).toBe('create');
    const after = planActions(afterOurWrite(moved, plan.fields), gradebook, makeContext());
    expect(after.kind).toBe('noop');
  });

  it.each(['School\u00a0Technicians', 'school  technicians', 'ＳＣＨＯＯＬ TECHNICIANS'])(
    'restricted work in the technicians team written as %j is still taken away (one team-name comparison)',
    (team) => {
      const gradebook = makeDecision('gradebook_admin');
      const first = afterOurWrite(makeTicket(), planActions(makeTicket(), gradebook, makeContext()).fields);
      const moved = afterPersonWrite(first, 'sdesk1', { OwnerTeam: team, Owner: 'tmiller' });
      const plan = planActions(moved, gradebook, makeContext());
      expect(plan.kind).toBe('restrict');
      expect(plan.fields).toMatchObject({ OwnerTeam: 'Gradebook Managers', Owner: '' });
    },
  );

  it('a technician login written with other case and spaces still loses a gradebook ticket', () => {
    const ticket = makeTicket({ OwnerTeam: 'Gradebook Managers', Owner: 'T\u00a0Miller' });
    const ctx = makeContext({ technicianLogins: new Set(['t  miller']) });
    const plan = planActions(ticket, makeDecision('gradebook_admin'), ctx);
    expect(plan.kind).toBe('restrict');
    expect(plan.fields.Owner).toBe('');
  });

  it('restricted work moved by a person to a non-technician team is an ordinary override', () => {
    const gradebook = makeDecision('gradebook_admin');
    const first = afterOurWrite(makeTicket(), planActions(makeTicket(), gradebook, makeContext()).fields);
    const moved = afterPersonWrite(first, 'sdesk1', {
      OwnerTeam: 'ITS Application Support',
      Owner: 'appsup1',
    });
    const plan = planActions(moved, gradebook, makeContext());
    expect(plan.kind).toBe('override');
    expect(plan.fields.OwnerTeam).toBeUndefined();
  });

  it('restricted work already with the gradebook team but a technician Owner: Owner cleared, no move', () => {
    const ticket = makeTicket({ OwnerTeam: 'Gradebook Managers', Owner: 'tmiller' });
    const ctx = makeContext({ technicianLogins: new Set(['TMiller']) });
    const plan = planActions(ticket, makeDecision('gradebook_admin'), ctx);
    expect(plan.kind).toBe('restrict');
    expect(plan.fields.Owner).toBe('');
    expect(plan.fields.OwnerTeam).toBeUndefined();
    expect(plan.fields.SBT_Restricted).toBe(true);
    const gbm = planActions(
      makeTicket({ OwnerTeam: 'Gradebook Managers', Owner: 'gbmgr1' }),
      makeDecision('gradebook_admin'),
      ctx,
    );
    expect(gbm.fields.Owner).toBeUndefined();
  });

  it('refuses a routing that sends restricted work to the technicians', () => {
    const routing = makeRouting();
    const bad = {
      ...routing,
      categories: {
        ...routing.categories,
        gradebook_admin: { ...routing.categories.gradebook_admin!, destination: 'School Technicians' },
      },
    };
    expect(() =>
      planActions(makeTicket(), makeDecision('gradebook_admin'), makeContext({ routing: bad })),
    ).toThrow(/categories\.gradebook_admin\.destination/);
  });
});

describe('planActions: states and modes', () => {
  it.each(['Resolved', 'Closed'])('%s tickets are tagged, never moved or noted', (Status) => {
    const plan = planActions(makeTicket({ Status }), makeDecision('telephone'), makeContext());
    expect(plan.kind).toBe('tag');
    expect(plan.fields.OwnerTeam).toBeUndefined();
    expect(plan.fields.SBT_RoutedTo).toBeUndefined();
    expect(plan.note).toBeNull();
    expect(plan.why).toContain('tag_only:final_state');
  });

  it('final state beats restricted: a closed gradebook ticket with a technician is only tagged', () => {
    const ticket = makeTicket({ Status: 'Closed', OwnerTeam: 'School Technicians', Owner: 'tmiller' });
    const plan = planActions(ticket, makeDecision('gradebook_admin'), makeContext());
    expect(plan.fields.OwnerTeam).toBeUndefined();
    expect(plan.fields.Owner).toBeUndefined();
    expect(plan.fields.SBT_Restricted).toBe(true);
  });

  const gated: Array<[string, Parameters<typeof makeContext>[0]]> = [
    ['shadow', { mode: 'shadow' }],
    ['kill_switch', { schools: { allow: [], killSwitch: true } }],
    ['school_not_allowed', { schools: { allow: ['Roosevelt Middle School'], killSwitch: false } }],
  ];
  it.each(gated)('%s: tags only, no move, no note', (gate, overrides) => {
    const plan = planActions(makeTicket(), makeDecision('gradebook_admin'), makeContext(overrides));
    expect(plan.kind).toBe('tag');
    expect(Object.keys(plan.fields).sort()).toEqual([...TAGS].sort());
    expect(plan.note).toBeNull();
    expect(plan.why).toContain(`tag_only:${gate}`);
  });

  it.each(gated)(
    '%s does not leave gradebook work with a technician: moved away, Owner cleared',
    (gate, overrides) => {
      const ticket = makeTicket({ OwnerTeam: 'School Technicians', Owner: 'tmiller' });
      const plan = planActions(ticket, makeDecision('gradebook_admin'), makeContext(overrides));
      expect(plan.fields.OwnerTeam).toBe('Gradebook Managers');
      expect(plan.fields.Owner).toBe('');
      expect(plan.why).toContain(`restricted_beats_gate:${gate}`);
    },
  );

  it('a technician login owning gradebook work in another team loses the ticket', () => {
    const ticket = makeTicket({ OwnerTeam: 'Network Operations', Owner: 'tmiller' });
    const known = makeContext({ technicianLogins: new Set(['TMiller']) });
    const plan = planActions(ticket, makeDecision('gradebook_admin'), known);
    expect(plan.fields.Owner).toBe('');
    expect(plan.fields.OwnerTeam).toBe('Gradebook Managers');
    // Without the login list the owner is not known to be a technician: the person's team stands.
    const unknown = planActions(ticket, makeDecision('gradebook_admin'), makeContext());
    expect(unknown.fields.Owner).toBeUndefined();
  });

  it('a school in the allow list is moved (names compared case-insensitively)', () => {
    const ctx = makeContext({ schools: { allow: ['lincoln elementary'], killSwitch: false } });
    expect(planActions(makeTicket(), makeDecision('telephone'), ctx).kind).toBe('move');
  });

  it('switching shadow -> enforce moves a ticket that shadow mode only tagged', () => {
    const decision = makeDecision('telephone');
    const shadow = planActions(makeTicket(), decision, makeContext({ mode: 'shadow' }));
    const tagged = afterOurWrite(makeTicket(), shadow.fields);
    expect(planActions(tagged, decision, makeContext({ mode: 'shadow' })).kind).toBe('noop');
    const enforce = planActions(tagged, decision, makeContext());
    expect(enforce.kind).toBe('move');
    expect(enforce.noteMode).toBe('create');
  });

  it('fields the tenant lacks are never written', () => {
    const missingFields = new Set([
      'SBT_Confidence',
      'SBT_RoutedTo',
      'SBT_ClassifiedDateTime',
      'SBT_DecisionHash',
    ]);
    const plan = planActions(makeTicket(), makeDecision('telephone'), makeContext({ missingFields }));
    for (const name of missingFields) expect(plan.fields).not.toHaveProperty(name);
    expect(plan.fields.OwnerTeam).toBe('Telecommunications');
    expect(plan.fields.SBT_Category).toBe('telephone');
  });
});

describe('planActions: notes', () => {
  it('the note quotes no ticket text', () => {
    for (const category of ['telephone', 'gradebook_admin', 'hardware', 'website'] as const) {
      const plan = planActions(makeTicket(), makeDecision(category), makeContext());
      const note = `${plan.note?.subject}\n${plan.note?.body}`;
      for (const word of ['Zyxwv', 'Quimby', '555-0100', 'confidential']) expect(note).not.toContain(word);
      expect(JSON.stringify(plan.why)).not.toMatch(/Zyxwv|Quimby/);
    }
  });

  it('the note of a decision the model took part in gives its probability and strongest features', () => {
    const decision = makeDecision('telephone', {
      ruleId: 'model',
      decidedBy: 'model',
      model: {
        version: 'm-1',
        top: [{ category: 'telephone', probability: 0.912 }],
        gradebookProbability: 0.01,
        strongest: [
          { feature: 'w:voicemail', weight: 1.4 },
          { feature: 'b:dial_tone', weight: 0.8 },
        ],
      },
    });
    const plan = planActions(makeTicket(), decision, makeContext());
    expect(plan.note?.body.split('\n').slice(-2)).toEqual([
      'Model: telephone 91.2%, decided by the model; strongest features: voicemail, dial tone.',
      noteMarker(plan.fingerprint!),
    ]);
  });

  it('the shipped routing.yaml note cites the policy and the rule id', () => {
    // Only the sections actions/ reads, so that edits to the rules section cannot break this test.
    const raw = parse(readFileSync('config/routing.yaml', 'utf8')) as Record<string, unknown>;
    const routing = routingPolicySchema.parse({
      threshold: 2,
      fields: raw.fields,
      teams: raw.teams,
      categories: raw.categories,
    });
    const plan = planActions(
      makeTicket(),
      makeDecision('telephone', { policyVersion: 'pv-shipped', ruleId: 'tel-voicemail' }),
      makeContext({ routing }),
    );
    expect(plan.note?.body).toContain(
      'Telephone system support is handled by Telecommunications; school-based technicians support hardware and software access.',
    );
    expect(plan.note?.body).toContain('rule tel-voicemail');
    expect(plan.note?.body).toContain('version pv-shipped');
    expect(plan.note?.publishToWeb).toBe(false);
  });

  it('placeholders are filled once ({policy}; unknown ones kept; no school -> "your school")', () => {
    const plan = planActions(
      makeTicket({ OrganizationUnitID: null }),
      makeDecision('application_support'),
      makeContext(),
    );
    expect(plan.note?.body).toContain(
      'This ticket from your school was moved to ITS Application Support (rule application_support-rule), the SBT scope policy (version pv-000000001).',
    );
  });

  it('note text and account compare as HEAT does', () => {
    const first = planActions(makeTicket(), makeDecision('telephone'), makeContext());
    const echo = { ...afterOurWrite(makeTicket(), first.fields), LastModBy: ACCOUNT.toUpperCase() };
    expect(planActions(echo, makeDecision('telephone'), makeContext()).kind).toBe('noop');
  });
});
