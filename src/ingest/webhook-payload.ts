import { carriedRecordOf, type CarriedRecord } from '../queue/index.js';

/**
 * Which ticket a webhook names, and, when the body carries every field the worker needs (and the
 * version, LastModDateTime), those fields only: the worker then skips its GET. Nothing else of the body
 * is kept, and nothing of `record` is ever logged.
 */
export type WebhookTarget = (
  { kind: 'recId'; recId: string } | { kind: 'incidentNumber'; incidentNumber: number }
) & { lastModDateTime?: string; lastModBy?: string; record?: CarriedRecord };

export type WebhookPayloadResult = { ok: true; target: WebhookTarget } | { ok: false; problem: string };

const RECID = /^[0-9A-Fa-f]{32}$/;

/**
 * Reads the raw body of a HEAT webhook: `{"RecId": "..."}`, `{"IncidentNumber": 123}` or a whole
 * incident record (only RecId, IncidentNumber, LastModDateTime and LastModBy are read from it). RecId wins when
 * both are present, so that the route does not need to call HEAT. Key names match case-insensitively
 * because HEAT field names do (docs/heat-api.md §5) and admins type them by hand in the rule's body.
 */
export function parseWebhookPayload(rawBody: Buffer, recordFields?: readonly string[]): WebhookPayloadResult {
  let body: unknown;
  try {
    // A leading BOM is legal in some HEAT script output but not in JSON.parse.
    body = JSON.parse(rawBody.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return { ok: false, problem: 'the body is not valid JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, problem: 'the body must be a JSON object with RecId or IncidentNumber' };
  }
  const fields = body as Record<string, unknown>;
  const recId = field(fields, 'RecId');
  const incidentNumber = field(fields, 'IncidentNumber');
  const lastModDateTime = readLastMod(field(fields, 'LastModDateTime'));
  const lastModByRaw = field(fields, 'LastModBy');
  // Who saved the record: lets the service drop the echo of its own write without reading HEAT.
  const lastModBy =
    typeof lastModByRaw === 'string' && lastModByRaw.length > 0 && lastModByRaw.length <= 100
      ? lastModByRaw
      : undefined;
  const record =
    recordFields && lastModDateTime !== undefined ? webhookRecord(fields, recordFields) : undefined;
  const withLastMod = {
    ...(lastModDateTime === undefined ? {} : { lastModDateTime }),
    ...(lastModBy === undefined ? {} : { lastModBy }),
    ...(record ? { record } : {}),
  };

  if (recId !== undefined && recId !== null && recId !== '') {
    if (typeof recId !== 'string' || !RECID.test(recId.trim())) {
      return {
        ok: false,
        problem: 'RecId must be 32 hex characters (the incident\'s RecId, e.g. "$(RecId)" in the rule)',
      };
    }
    // HEAT RecIds are uppercase hex (docs/heat-api.md §5); one spelling keeps webhook and poll jobs deduplicated.
    return { ok: true, target: { kind: 'recId', recId: recId.trim().toUpperCase(), ...withLastMod } };
  }
  if (incidentNumber !== undefined && incidentNumber !== null && incidentNumber !== '') {
    const n =
      typeof incidentNumber === 'string' && /^\d{1,12}$/.test(incidentNumber.trim())
        ? Number(incidentNumber)
        : incidentNumber;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
      return { ok: false, problem: 'IncidentNumber must be a positive integer' };
    }
    return { ok: true, target: { kind: 'incidentNumber', incidentNumber: n, ...withLastMod } };
  }
  return { ok: false, problem: 'missing RecId (32 hex characters) or IncidentNumber (integer)' };
}

/**
 * The body as a carried record, when it holds every needed field. A rule's body template renders every
 * value as text: IncidentNumber is made a number again (the worker compares other values by meaning).
 */
function webhookRecord(
  fields: Record<string, unknown>,
  recordFields: readonly string[],
): CarriedRecord | undefined {
  const record = carriedRecordOf(fields, recordFields);
  if (!record) return undefined;
  const key = Object.keys(record).find((k) => k.toLowerCase() === 'incidentnumber');
  if (key !== undefined && typeof record[key] === 'string' && /^\d{1,12}$/.test(String(record[key]).trim())) {
    record[key] = Number(record[key]);
  }
  return record;
}

function field(fields: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(fields, name)) return fields[name];
  const lower = name.toLowerCase();
  const key = Object.keys(fields).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : fields[key];
}

/** Optional hint for the queue layer ("latest data wins"); an unreadable value is dropped, not refused. */
function readLastMod(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40 || !Number.isFinite(Date.parse(value))) return undefined;
  return value;
}
