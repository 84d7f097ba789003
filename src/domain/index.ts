export { CATEGORY_IDS, SCOPE_IDS, CATEGORY_SCOPES, isCategoryId } from './categories.js';
export type { CategoryId, ScopeId } from './categories.js';
export { FINAL_STATUSES } from './ticket.js';
export type { HeatRecord, Ticket } from './ticket.js';
export type { Decision, Reason, Match, CategoryScore, ModelEvidence } from './decision.js';
export type { ActionPlan, ActionNote, ApplyResult, PlanKind } from './action.js';
export { isTechnicianTeam, sameTeamName, teamKey } from './team-name.js';
export type { TechnicianTeams } from './team-name.js';
export { sameFieldValue, sameTeam, isEmpty } from './same-field-value.js';
