import type { HeatClient } from '../heat/index.js';

/**
 * Which of `fields` the records of `set` lack, from one sample record (a record lists every field of
 * its business object, null when empty: heat-api.md §8/§13). null: the set is empty, nothing proven.
 * No $select: selecting a field the tenant lacks would itself fail (heat-api.md §4, bad field -> 400).
 */
export async function findMissingFields(
  heat: HeatClient,
  fields: Readonly<Record<string, string>> | readonly string[],
  set: string,
): Promise<string[] | null> {
  let sample: Record<string, unknown> | undefined;
  for await (const page of heat.pages(set, { top: 1 })) {
    sample = page[0];
    break;
  }
  if (!sample) return null;
  const present = new Set(Object.keys(sample).map((k) => k.toLowerCase()));
  const wanted = [...new Set(Array.isArray(fields) ? fields : Object.values(fields))] as string[];
  return wanted.filter((name) => !present.has(name.toLowerCase()));
}

/**
 * The custom fields of routing.yaml `fields` that the tenant's incidents lack, read once at start-up
 * from one sample record. Pass the result to planActions as missingFields so that no PATCH ever names an
 * unknown field (HEAT refuses the whole PATCH: heat-api.md §10). An empty tenant proves nothing: [].
 */
export async function checkTenantFields(
  heat: HeatClient,
  fields: Readonly<Record<string, string>>,
  incidentSet: string,
): Promise<string[]> {
  return (await findMissingFields(heat, fields, incidentSet)) ?? [];
}
