/**
 * The ticket generator's own labels for what a ticket is about (the truth table's `expect`). They are
 * the simulator's vocabulary, kept apart from any router's: a router under test compares its answers
 * with them, the simulator never learns what a router understands.
 */
export const INTENT_LABELS = [
  'hardware',
  'software_access',
  'telephone',
  'website',
  'office_development',
  'application_support',
  'gradebook_admin',
  'unclassified',
] as const;
export type IntentLabel = (typeof INTENT_LABELS)[number];
