export interface HeatApiErrorInit {
  /** HTTP status; 0 when no answer arrived (network error, timeout). */
  status: number;
  method: string;
  /** Request path without query string. */
  path: string;
  /** ISM code from the body, e.g. ISM_4000. */
  code?: string;
  /** HEAT's `description`, e.g. "Invalid Request Payload". */
  description?: string;
  /** HEAT's `message[]`, already redacted. */
  messages?: string[];
  /** Node/axios error code for network errors: ECONNRESET, ETIMEDOUT, ... */
  networkCode?: string;
  /** Overrides the retry policy (e.g. an unreadable 2xx body is not worth repeating). */
  retryable?: boolean;
  /** What the operator should do; defaults to a hint derived from the status. */
  fix?: string;
}

/**
 * Statuses worth repeating: no answer at all, 408 and 5xx (docs/heat-client.md, Retries). HEAT never sends 429
 * (docs/heat-api.md §10/§11: past the daily budget it slows down rather than refusing).
 */
export function isRetryableStatus(status: number): boolean {
  // 429: HEAT (or a gateway before it) throttles; the client backs off for Retry-After, then repeats.
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** Retrying these cannot help: the request itself or its credentials are wrong (docs/heat-api.md §10). */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404]);

/**
 * 400 messages that mean "the data we sent is not acceptable" (docs/heat-api.md §10): a picklist value not
 * in the validation list, an unknown field, a required field left empty.
 */
const VALIDATION_MESSAGE =
  /not in the validation list|key value pair does not exist|invalid business object|(?:required|mandatory) field|must be provided|unknown field|is not a (?:valid )?field/i;

/** HEAT answers 400 "Invalid key" (not 404) for a missing record (docs/heat-api.md §10). */
const NOT_FOUND_MESSAGE = /invalid key|cannot be found/i;

function defaultFix(status: number, path: string): string {
  if (status === 0) return 'check that HEAT_BASE_URL is reachable from this host and that HEAT is up';
  if (status === 401) {
    return path.includes('/authentication/login')
      ? 'check HEAT_TENANT, HEAT_USERNAME, HEAT_PASSWORD and HEAT_ROLE (the internal role name, e.g. Admin)'
      : 'check HEAT_API_KEY (the key Reference ID, activated, IP allow-list) or the session login settings';
  }
  if (status === 403) return "check the role's object permissions for this business object in HEAT";
  if (status === 404)
    return "check the entity set name (business object name + 's', e.g. incidents, journal__notess) and HEAT_BASE_URL (on-prem needs the /HEAT prefix)";
  if (status === 400 && path.includes('/authentication/login')) {
    return 'check HEAT_TENANT, HEAT_USERNAME, HEAT_PASSWORD and HEAT_ROLE (the internal role name, e.g. Admin)';
  }
  if (status === 400)
    return 'the request was refused; correct the field names or values named in the messages';
  if (status >= 500) return 'HEAT failed server-side; retry later, and check the HEAT logs if it persists';
  return 'see the messages from HEAT';
}

/**
 * A failed HEAT call. Carries no request headers, bodies or query strings, so it is safe to log and to
 * store in a job's failure reason; messages have had credentials stripped (docs/heat-api.md §10).
 */
export class HeatApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly description: string | undefined;
  readonly messages: string[];
  readonly method: string;
  readonly path: string;
  readonly networkCode: string | undefined;
  readonly retryable: boolean;
  /** A 400 caused by the values sent (validation list, unknown field, required field). */
  readonly isValidationError: boolean;
  /** 404, or HEAT's 400 "Invalid key" / "cannot be found" for a missing record. */
  readonly isNotFound: boolean;
  readonly fix: string;

  constructor(init: HeatApiErrorInit) {
    const messages = init.messages ?? [];
    const what =
      init.status === 0 ? `no answer (${init.networkCode ?? 'network error'})` : `HTTP ${init.status}`;
    // A 5xx body can echo record data (docs/heat-api.md §10), and this message reaches logs and BullMQ's
    // failedReason: for 5xx keep only the code and description.
    const shown = init.status >= 500 ? [] : messages;
    const detail = [init.code, init.description, ...shown].filter((s): s is string => Boolean(s)).join(' - ');
    const missing =
      init.status === 404 || (init.status === 400 && messages.some((m) => NOT_FOUND_MESSAGE.test(m)));
    const fix =
      init.fix ??
      (missing
        ? 'the record does not exist in HEAT (deleted, or a webhook rule sent a wrong RecId); nothing to do for this ticket'
        : defaultFix(init.status, init.path));
    // Bounded: the message lands in logs and in BullMQ's failedReason (kept for days).
    const shortDetail = detail.length > 400 ? `${detail.slice(0, 400)}...` : detail;
    super(
      `HEAT ${init.method} ${init.path} failed: ${what}${shortDetail ? `: ${shortDetail}` : ''}. Fix: ${fix}`,
    );
    this.name = 'HeatApiError';
    this.status = init.status;
    this.code = init.code;
    this.description = init.description;
    this.messages = messages;
    this.method = init.method;
    this.path = init.path;
    this.networkCode = init.networkCode;
    this.retryable = init.retryable ?? isRetryableStatus(init.status);
    this.isValidationError = init.status === 400 && messages.some((m) => VALIDATION_MESSAGE.test(m));
    this.isNotFound =
      init.status === 404 || (init.status === 400 && messages.some((m) => NOT_FOUND_MESSAGE.test(m)));
    this.fix = fix;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      description: this.description,
      messages: this.messages,
      method: this.method,
      path: this.path,
      networkCode: this.networkCode,
      retryable: this.retryable,
      isValidationError: this.isValidationError,
      isNotFound: this.isNotFound,
    };
  }
}

/** True for HEAT answers that no retry can fix (400/401/403/404): fail the job instead of retrying it. */
export function isPermanentHeatError(err: unknown): boolean {
  return err instanceof HeatApiError && PERMANENT_STATUSES.has(err.status);
}

/**
 * True when this ticket's job can never succeed: HEAT refused the data (400) or has no such record.
 * 401/403 are not in it: they are about our credentials or rights, which an operator fixes for every
 * ticket at once, so jobs keep retrying with backoff (and /readyz shows HEAT failing) instead of
 * dropping each ticket.
 */
export function isTicketPermanentError(err: unknown): boolean {
  if (!(err instanceof HeatApiError) || (err.status !== 400 && err.status !== 404)) return false;
  // "Role X does not have rights to update ..." (docs/heat-api.md §10) is about our role, like a 403: it
  // hits every ticket alike and is fixed once by an administrator, so the jobs keep retrying.
  return !err.messages.some((m) => /does not have rights/i.test(m));
}
