/** OData business objects live here on every tenant (docs/heat-api.md §1, §3). */
const ODATA_ROOT = '/api/odata/businessobject';
/** Session login (docs/heat-api.md §2.2). */
export const LOGIN_PATH = '/api/rest/authentication/login';

/**
 * Joins the base URL (which may carry the on-prem `/HEAT` prefix, docs/heat-api.md §1) and an absolute path
 * without doubling or dropping slashes.
 */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** `/api/odata/businessobject/incidents`; the entity set name is passed through as given (docs/heat-api.md §1). */
export function collectionPath(set: string): string {
  if (!set || /[/?#\s]/.test(set))
    throw new RangeError(`entity set name ${JSON.stringify(set)} is not valid (e.g. "incidents")`);
  return `${ODATA_ROOT}/${set}`;
}

/** `/api/odata/businessobject/incidents('RECID')`: keys are quoted, a quote inside is doubled (OData). */
export function recordPath(set: string, recId: string): string {
  // HEAT answers 400 "Key value cannot be empty" for ('') (docs/heat-api.md §10): refuse it before the call.
  if (!recId) throw new RangeError(`RecId is empty; pass the record's 32-character RecId`);
  return `${collectionPath(set)}('${encodeURIComponent(recId.replace(/'/g, "''"))}')`;
}

/** Entity set of journal notes created through the notes extension (docs/heat-api.md §1, §9.4 a). */
export const NOTES_SET = 'journal__notess';

/** Entity set of HEAT's teams, each named by its `Team` field (docs/heat-api.md §7.1). */
export const TEAMS_SET = 'standarduserteams';
