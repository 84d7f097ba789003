export { planActions } from './plan-actions.js';
export type { PlanContext } from './plan-actions.js';
export { applyActions, RestrictedMoveRefusedError } from './apply-actions.js';
export type { ApplyDeps } from './apply-actions.js';
export { decisionFingerprint, roundConfidence } from './decision-fingerprint.js';
export { checkTenantFields } from './check-tenant-fields.js';
export { renderNote, noteMarker, DEFAULT_NOTE_TEMPLATES } from './render-note.js';
export type { NoteValues } from './render-note.js';
export { sameFieldValue, sameTeam, isEmpty } from './same-field-value.js';
