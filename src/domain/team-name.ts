/**
 * Team names compare the way HEAT compares validated values: case-insensitively (`eq` is
 * case-insensitive, heat-api.md §4) and without surrounding blanks. One definition, so that config
 * checks and routing agree on what "the technicians' team" is.
 */
export function teamKey(name: string): string {
  return name.trim().toLowerCase();
}
