import type { FieldMapping } from '../config/index.js';
import type { HeatClient } from '../heat/index.js';

/**
 * The custom fields of routing.yaml `fields` that the tenant's incidents lack, read once at start-up
 * from one sample record (a record lists every field of its business object, null when empty:
 * heat-api.md §8/§13). Pass the result to planActions as missingFields so that no PATCH ever names an
 * unknown field (HEAT refuses the whole PATCH: heat-api.md §10). An empty tenant proves nothing: [].
 */
export async function checkTenantFields(
  heat: HeatClient,
  fields: FieldMapping,
  incidentSet: string,
): Promise<string[]> {
  let sample: Record<string, unknown> | undefined;
  // No $select: selecting a field the tenant lacks would itself fail (heat-api.md §4, bad field -> 400).
  for await (const page of heat.pages(incidentSet, { top: 1 })) {
    sample = page[0];
    break;
  }
  if (!sample) return [];
  const present = new Set(Object.keys(sample).map((k) => k.toLowerCase()));
  const wanted = [...new Set(Object.values(fields))];
  return wanted.filter((name) => !present.has(name.toLowerCase()));
}
