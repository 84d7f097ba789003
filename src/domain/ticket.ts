/** A HEAT business-object record as the REST API returns it: field name -> value. */
export type HeatRecord = Record<string, unknown>;

/**
 * An incident as the router sees it. HEAT field names (docs/heat-api.md §7); every field but RecId may be
 * missing on a given tenant or in a `$select`ed page, and custom fields are ordinary properties.
 */
export interface Ticket extends HeatRecord {
  RecId: string;
  IncidentNumber?: number;
  Subject?: string | null;
  /** Display name "Description"; may hold HTML. */
  Symptom?: string | null;
  Category?: string | null;
  Service?: string | null;
  Source?: string | null;
  Status?: string | null;
  Owner?: string | null;
  OwnerTeam?: string | null;
  OrganizationUnitID?: string | null;
  CreatedDateTime?: string | null;
  LastModDateTime?: string | null;
  LastModBy?: string | null;
}

/** Ticket states in which a ticket is tagged and counted but never moved (issue 4). */
export const FINAL_STATUSES: readonly string[] = ['Resolved', 'Closed'];
