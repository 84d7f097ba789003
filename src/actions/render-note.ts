import type { ActionNote, Decision, ModelEvidence } from '../domain/index.js';

export interface NoteValues {
  /** OrganizationUnitID (a school name, not ticket text); "your school" when missing. */
  school: string | null | undefined;
  team: string;
  /** Category display name from routing.yaml. */
  category: string;
  categoryId: string;
  ruleId: string;
  policyVersion: string;
  fingerprint: string;
  /** The learned model's view (Decision.model), when the policy has a model: adds the "Model:" line. */
  model?: ModelEvidence | undefined;
  /** Who decided (Decision.decidedBy). */
  decidedBy?: Decision['decidedBy'];
}

/** Used when routing.yaml gives a category no `note` (in-scope categories ship without one). */
export const DEFAULT_NOTE_TEMPLATES = {
  inScope:
    '{category} is school-based technician work under {policy}. This ticket from {school} was assigned to {team} (rule {ruleId}).',
  other:
    '{category} work is handled by {team} under {policy}; school-based technicians support hardware and software access. This ticket from {school} was moved to {team} (rule {ruleId}).',
} as const;

/** The text a retry searches for among a ticket's notes: one note per decision fingerprint. */
/** Subject of the journal note written when a ticket is moved (also how our notes are found again). */
export function routingNoteSubject(team: string): string {
  return `Routed to ${team} by the SBT scope policy`;
}

export function noteMarker(fingerprint: string): string {
  return `[sbt-router decision ${fingerprint}]`;
}

/**
 * Whether a journal note's body is one of ours for this fingerprint: the marker must be the body's
 * own last line. Values placed in a note never hold square brackets (noteText), so a school name or
 * other ticket data cannot carry a marker line into a note.
 */
export function noteHasMarker(body: string, fingerprint: string): boolean {
  const lines = body.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  return lines[lines.length - 1]?.trim() === noteMarker(fingerprint);
}

/** A value as written into a note: one line, square brackets turned into parentheses (no marker). */
function noteText(value: string): string {
  return value.replace(/\[/g, '(').replace(/\]/g, ')').replace(/\s+/g, ' ');
}

const DECIDED_BY: Readonly<Record<NonNullable<Decision['decidedBy']>, string>> = {
  rules: 'the rules',
  model: 'the model',
  guard: 'the gradebook guard',
};

/**
 * A model feature as a reader sees it: the word ("w:printer" -> printer), the word pair
 * ("b:printer_jammed" -> "printer jammed"), the letters inside a word with < and > marking its start
 * and end ("c:<pri" -> <pri), or the field value ("v:Category=Printer" -> Category=Printer).
 */
function featureForReaders(feature: string): string {
  const kind = feature.slice(0, 2);
  const rest = feature.slice(2);
  if (kind === 'w:' || kind === 'c:' || kind === 'v:') return rest;
  if (kind === 'b:') return rest.replace('_', ' ');
  return feature;
}

/**
 * "Model: hardware 97.1%, decided by the model; strongest features: printer, printer jammed." The
 * model's most probable category and its calibrated probability, who decided, and the model features
 * that pushed that category most (model vocabulary: words the ticket shares with the model, no more).
 */
function modelLine(model: ModelEvidence, decidedBy: Decision['decidedBy']): string {
  const top = model.top[0];
  const view = top ? `${noteText(top.category)} ${(top.probability * 100).toFixed(1)}%` : 'no category';
  const who = decidedBy ? `, decided by ${DECIDED_BY[decidedBy]}` : '';
  const features = model.strongest.map((s) => noteText(featureForReaders(s.feature))).join(', ');
  return `Model: ${view}${who}; strongest features: ${features === '' ? 'none' : features}.`;
}

/**
 * The internal journal note for a move. Only policy words and names reach it (school, team, category,
 * rule id, policy version) and, when the policy has a model, the model's view (its top category and
 * probability, who decided, and its strongest features: model vocabulary words): never the ticket's
 * Subject or Symptom as such, which may hold student data.
 * {placeholders} are replaced in one pass, so a value can never inject another placeholder.
 */
export function renderNote(template: string, values: NoteValues): ActionNote {
  const replacements: Record<string, string> = {
    school: values.school && values.school.trim() !== '' ? noteText(values.school.trim()) : 'your school',
    team: noteText(values.team),
    category: noteText(values.category),
    ruleId: noteText(values.ruleId),
    policy: `the SBT scope policy (version ${values.policyVersion})`,
  };
  const text = template
    .replace(/\{(\w+)\}/g, (whole, name: string) => replacements[name] ?? whole)
    .replace(/\s+/g, ' ')
    .trim();
  const body = [
    text,
    '',
    `Policy: SBT scope policy version ${noteText(values.policyVersion)}; rule ${noteText(values.ruleId)}; category ${noteText(values.categoryId)}.`,
    ...(values.model ? [modelLine(values.model, values.decidedBy)] : []),
    noteMarker(values.fingerprint),
  ].join('\n');
  return {
    subject: routingNoteSubject(values.team),
    body,
    category: 'Memo',
    publishToWeb: false,
  };
}
