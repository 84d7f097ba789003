import { routingPolicySchema } from '../../../src/config/index.js';
import type { RoutingPolicyConfig } from '../../../src/config/index.js';
import { CATEGORY_SCOPES } from '../../../src/domain/index.js';
import type { CategoryId, Decision, Ticket } from '../../../src/domain/index.js';
import type { PlanContext } from '../../../src/actions/index.js';

export const ACCOUNT = 'sbt-router';
export const NOW = new Date('2026-11-02T15:04:05.000Z');
export const RECID = '0A8C1E9A04B2D84F0E9A3B5C6D7E8F90';

/** The default destinations and notes of issue 4 (inline, so other helpers' edits to config/ cannot move them). */
export function makeRouting(overrides: { perSchool?: Record<string, string> } = {}): RoutingPolicyConfig {
  return routingPolicySchema.parse({
    threshold: 2,
    teams: { perSchool: overrides.perSchool ?? {} },
    categories: {
      hardware: { displayName: 'Hardware', destination: null },
      software_access: { displayName: 'Software access', destination: null },
      telephone: {
        displayName: 'Telephone system',
        destination: 'Telecommunications',
        note: 'Telephone system support is handled by Telecommunications; school-based technicians support hardware and software access. This ticket from {school} was moved to {team} (rule {ruleId}).',
      },
      website: {
        displayName: 'School web site',
        destination: 'Web Services',
        note: 'Creating and updating school web sites is handled by Web Services. This ticket from {school} was moved to {team} (rule {ruleId}).',
      },
      office_development: {
        displayName: 'Office development',
        destination: 'School Administration',
        note: 'Building spreadsheets and presentations is not technician work. This ticket was returned to {school} through {team} (rule {ruleId}).',
      },
      application_support: {
        displayName: 'Application support',
        destination: 'ITS Application Support',
        note: 'How to use a business application is handled by ITS Application Support. This ticket from {school} was moved to {team} (rule {ruleId}), {policy}.',
      },
      gradebook_admin: {
        displayName: 'Gradebook administration',
        destination: 'Gradebook Managers',
        restricted: true,
        note: 'Gradebook and grading work is restricted: technicians never receive grading access. This ticket from {school} was moved to {team} (rule {ruleId}).',
      },
      unclassified: {
        displayName: 'Needs review',
        destination: 'ITS Service Desk',
        note: 'This ticket from {school} waits for a person in {team}.',
      },
    },
  });
}

export function makeContext(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    routing: makeRouting(),
    mode: 'enforce',
    schools: { allow: [], killSwitch: false },
    account: ACCOUNT,
    now: NOW,
    ...overrides,
  };
}

export function makeDecision(category: CategoryId, overrides: Partial<Decision> = {}): Decision {
  const scope = CATEGORY_SCOPES[category];
  return {
    category,
    scope,
    ruleId: `${category}-rule`,
    confidence: 0.8765,
    restricted: scope === 'restricted',
    policyVersion: 'pv-000000001',
    reasons: [],
    winner: { category, score: 3 },
    runnerUp: null,
    ...overrides,
  };
}

/** A freshly logged self-service ticket in the intake team, with no SBT fields yet. */
export function makeTicket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    RecId: RECID,
    IncidentNumber: 12045,
    Subject: 'Zyxwv confidential student Quimby',
    Symptom: '<p>Student Quimby Zyxwv grade 4 <br> call 555-0100</p>',
    Status: 'Logged',
    Owner: null,
    OwnerTeam: 'ITS Service Desk',
    OrganizationUnitID: 'Lincoln Elementary',
    LastModBy: 'jteacher',
    LastModDateTime: '2026-11-02T09:00:00-06:00',
    SBT_Scope: null,
    SBT_Category: null,
    SBT_RuleId: null,
    SBT_Confidence: null,
    SBT_PolicyVersion: null,
    SBT_ClassifiedDateTime: null,
    SBT_Restricted: null,
    SBT_DecisionHash: null,
    SBT_Override: null,
    SBT_RoutedTo: null,
    ...overrides,
  };
}

/** What HEAT holds after our PATCH: the fields applied and LastModBy stamped with our account. */
export function afterOurWrite(ticket: Ticket, fields: Record<string, unknown>): Ticket {
  return { ...ticket, ...fields, LastModBy: ACCOUNT, LastModDateTime: '2026-11-02T09:05:00-06:00' };
}

/** What HEAT holds after a person's write. */
export function afterPersonWrite(ticket: Ticket, login: string, fields: Record<string, unknown>): Ticket {
  return { ...ticket, ...fields, LastModBy: login, LastModDateTime: '2026-11-02T10:00:00-06:00' };
}
