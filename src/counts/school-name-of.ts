import { NO_SCHOOL } from './school-counts.js';
import { SEP } from './counts-keys.js';

/** The counting bucket of an incident's school field: its trimmed text, or NO_SCHOOL when empty. */
export function schoolNameOf(value: unknown): string {
  if (typeof value !== 'string') return NO_SCHOOL;
  const name = value.split(SEP).join(' ').trim();
  return name === '' ? NO_SCHOOL : name;
}
