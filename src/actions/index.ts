export { planActions, planContextFrom } from './plan-actions.js';
export type { PlanContext } from './plan-actions.js';
export { applyActions, RestrictedMoveRefusedError } from './apply-actions.js';
export type { ApplyDeps } from './apply-actions.js';
export { decisionFingerprint, roundConfidence } from './decision-fingerprint.js';
export {
  checkTenantFields,
  createTenantFieldsCheck,
  fieldsMissingFrom,
  findMissingFields,
} from './check-tenant-fields.js';
export type { TenantFieldsCheck } from './check-tenant-fields.js';
export {
  createAccountCheck,
  isAccountMismatch,
  readNoteAuthors,
  ACCOUNT_FIX,
} from './check-tenant-account.js';
export {
  renderNote,
  noteMarker,
  noteHasMarker,
  routingNoteSubject,
  DEFAULT_NOTE_TEMPLATES,
} from './render-note.js';
export type { NoteValues } from './render-note.js';
export { warnTechnicianLoginsUnset } from './warn-technician-logins.js';
export {
  planRollback,
  correctingNote,
  rollbackMarker,
  hasRollbackMarker,
  routingNoteVersion,
} from './plan-rollback.js';
export type { RollbackPlan, RollbackOutcome, RollbackNote } from './plan-rollback.js';
export { findRollbackCandidates } from './find-rollback-candidates.js';
export type { RollbackQuery, RollbackCandidates } from './find-rollback-candidates.js';
