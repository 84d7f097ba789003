import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { HeatRecord } from '../domain/index.js';
import type { Logger } from '../observability/index.js';
import { backoffDelay } from './backoff-delay.js';
import { buildQueryString, HEAT_MAX_TOP } from './build-query-string.js';
import { createSemaphore } from './create-semaphore.js';
import { ConfigError } from '../config/index.js';
import { coerceError } from '../domain/index.js';
import { HeatApiError } from './heat-api-error.js';
import { heatBaseUrlProblems, NO_HEAT_CREDENTIALS } from './heat-client-config-from.js';
import { collectionPath, NOTES_SET, joinUrl, LOGIN_PATH, recordPath } from './heat-paths.js';
import { filterSince, parseInstant } from './odata-filter.js';
import {
  createCallBudget,
  DEFAULT_RETRY_AFTER_MS,
  MAX_RETRY_AFTER_MS,
  type CallBudget,
} from './call-budget.js';
import {
  errorFromNetwork,
  errorFromResponse,
  isEmptyBody,
  recordOf,
  rowsOf,
  type RequestSpec,
} from './heat-responses.js';
import { decodeHtmlEntities, redactHeatSecrets } from './redact-heat-secrets.js';
import type {
  BackfillTurnOptions,
  BudgetState,
  ChangedSinceOptions,
  HeatBudgetStore,
  HeatCallRecord,
  HeatClient,
  HeatClientConfig,
  JournalNoteInput,
  ODataQuery,
} from './types.js';

export interface HeatClientDeps {
  logger: Logger;
  /** Clock for the per-day budget and lastSuccessAt (tests pass a fixed one). */
  now?: () => Date;
  /**
   * Waits between retries and backfill turns (tests record the delays instead of waiting); a backfill
   * wait passes its abort signal, which should end the wait early.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** [0, 1) source for the backoff jitter. */
  random?: () => number;
  /** Called after every HTTP request (logins and retries included), e.g. to feed metrics. */
  onCall?: (call: HeatCallRecord) => void;
  /**
   * Where the daily call budget and HEAT's backoff are shared (Redis); without it this client counts
   * for itself only. The service and the CLI pass one (service/build-heat-client.ts).
   */
  budgetStore?: HeatBudgetStore;
  /** Agents to use instead of the client's own keep-alive agents (not destroyed by close()). */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
}

const MAX_MESSAGE_CHARS = 1000;
/** The TCP keep-alive initial delay axios sets on every request's socket (its http adapter). */
export const AXIOS_SOCKET_KEEPALIVE_MS = 60_000;

function validateConfig(config: HeatClientConfig): void {
  // The same checks and messages as heatClientConfigFrom, for a config built by hand (tests, tools).
  const problems = heatBaseUrlProblems(config.baseUrl);
  if (!config.apiKey && !config.session) problems.push(NO_HEAT_CREDENTIALS);
  if (problems.length > 0) throw new ConfigError(problems);
  if (!Number.isInteger(config.maxConcurrency) || config.maxConcurrency < 1) {
    throw new Error(`HEAT maxConcurrency must be a positive integer, got ${config.maxConcurrency}`);
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The keep-alive agents (one socket per allowed in-flight request) and the axios instance using them. */
function createAxiosWithAgents(
  config: HeatClientConfig,
  deps: HeatClientDeps,
): { axiosInstance: AxiosInstance; ownAgents: Array<http.Agent | https.Agent> } {
  // One socket per allowed in-flight request, reused across calls (keep-alive saves a TLS handshake).
  const ownAgents: Array<http.Agent | https.Agent> = [];
  // axios sets TCP keep-alive with a 60 s initial delay on the socket of every request, and the agent
  // sets its own keepAliveMsecs (1 s by default) each time a socket goes back to the pool: with two
  // different values Node calls setsockopt twice per request. The same 60 s here makes both no-ops.
  const keepAlive = {
    keepAlive: true,
    keepAliveMsecs: AXIOS_SOCKET_KEEPALIVE_MS,
    maxSockets: config.maxConcurrency,
  };
  const httpAgent = deps.httpAgent ?? new http.Agent(keepAlive);
  const httpsAgent = deps.httpsAgent ?? new https.Agent(keepAlive);
  if (!deps.httpAgent) ownAgents.push(httpAgent);
  if (!deps.httpsAgent) ownAgents.push(httpsAgent);

  const axiosInstance: AxiosInstance = axios.create({
    timeout: config.timeoutMs,
    httpAgent,
    httpsAgent,
    // Every status comes back as a response; mapping to HeatApiError happens below.
    validateStatus: () => true,
    // A redirect would re-send the Authorization header to wherever it points. With 0 axios also
    // sends through node:http/https directly instead of follow-redirects.
    maxRedirects: 0,
    // ETIMEDOUT (not ECONNABORTED) on a timeout, which errorFromNetwork maps to a retryable error.
    transitional: { clarifyTimeoutError: true },
  });
  trimAxiosDefaults(axiosInstance);
  return { axiosInstance, ownAgents };
}

/**
 * axios merges its instance defaults into every request's config, and the defaults axios.create
 * starts from carry what this client never uses: header buckets per method (deep-merged and
 * flattened per request), browser settings (XSRF names, FormData and Blob classes), a list of
 * adapters to pick from, and body transforms that probe for FormData, URLSearchParams, streams and
 * buffers before they JSON.stringify. Several HEAT calls per ticket: the defaults are cut to what a
 * HEAT call needs (docs/heat-client.md, "What axios does per call"). The body is serialised in
 * send(); an answer is parsed as axios would with silentJSONParsing: a string that is JSON becomes
 * its value, anything else stays as it came (an HTML error page stays text).
 */
function trimAxiosDefaults(instance: AxiosInstance): void {
  const defaults = instance.defaults as unknown as Record<string, unknown>;
  defaults['headers'] = { Accept: 'application/json' };
  for (const unused of ['env', 'xsrfCookieName', 'xsrfHeaderName']) delete defaults[unused];
  defaults['adapter'] = 'http';
  defaults['transformRequest'] = [];
  defaults['transformResponse'] = [parseJsonAnswer];
}

/** axios' own JSON parsing of an answer (forcedJSONParsing with silentJSONParsing), without its probes. */
export function parseJsonAnswer(data: unknown): unknown {
  if (typeof data !== 'string' || data === '') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/** Logs a finished HTTP request and hands it to the onCall hook (whose errors are logged and ignored). */
function reportCall(logger: Logger, onCall: HeatClientDeps['onCall'], call: HeatCallRecord): void {
  // Several calls per ticket: the line's object is built only when debug lines are written at all.
  if (logger.isDebugEnabled())
    logger.debug('heat call', { method: call.method, path: call.path, status: call.status, ms: call.ms });
  if (!onCall) return;
  try {
    onCall(call);
  } catch (err) {
    logger.warn('HEAT onCall hook threw; ignored', { error: coerceError(err).message });
  }
}

/** The session id a login answered, or a HeatApiError when the answer holds none. */
function sessionTokenOf(res: AxiosResponse): string {
  // The answer is a bare JSON string: "{tenant}#<32>#2", or a JWT under OIDC (docs/heat-api.md §2.2).
  let token: unknown = res.data;
  if (typeof token === 'string') token = token.trim().replace(/^"(.*)"$/s, '$1');
  if (typeof token !== 'string' || token === '') {
    throw new HeatApiError({
      status: res.status,
      method: 'POST',
      path: LOGIN_PATH,
      messages: ['login answered without a session id'],
      retryable: false,
      fix: 'check HEAT_BASE_URL points at the HEAT tenant (not a proxy or login page)',
    });
  }
  return token;
}

/** The current session id, shared by the HTTP layer (to redact it) and the session auth (to send it). */
interface SessionRef {
  value: string | null;
}

/**
 * How long HEAT asked us to wait: Retry-After in seconds or as an HTTP date; a 429 without one waits
 * DEFAULT_RETRY_AFTER_MS. null: the answer asks for no wait. Capped at MAX_RETRY_AFTER_MS.
 */
export function retryAfterMs(status: number, header: unknown, nowMs: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  let ms: number | null = null;
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
    else if (Number.isFinite(Date.parse(text))) ms = Math.max(0, Date.parse(text) - nowMs);
  }
  if (ms === null && status === 429) ms = DEFAULT_RETRY_AFTER_MS;
  return ms === null ? null : Math.min(ms, MAX_RETRY_AFTER_MS);
}

interface HeatHttp {
  /** One request with retries of retryable failures (see withRetries). */
  withRetries(spec: RequestSpec, authorization: string | undefined): Promise<AxiosResponse>;
  stats: HeatClient['stats'];
  budget: CallBudget;
  lastSuccessAt(): Date | null;
  authRefusedSince(): { at: Date; status: number } | null;
  close(): void;
}

/** The unauthenticated HTTP layer: concurrency, call budget, reporting, error mapping and retries. */
function createHeatHttp(config: HeatClientConfig, deps: HeatClientDeps, session: SessionRef): HeatHttp {
  const logger = deps.logger;
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const { axiosInstance, ownAgents } = createAxiosWithAgents(config, deps);
  const semaphore = createSemaphore(config.maxConcurrency);
  let lastSuccess: Date | null = null;
  /** The last 401/403 answer since the last success (credentials or role refused), for readiness. */
  let authRefusal: { at: Date; status: number } | null = null;
  let closed = false;
  const budget = createCallBudget({
    dailyCallBudget: config.dailyCallBudget,
    now,
    logger,
    store: deps.budgetStore,
  });

  /** Waits out a backoff HEAT asked for (this client, or any client sharing the budget). */
  async function honourBackoff(untilMs: number): Promise<void> {
    const waitMs = untilMs - now().getTime();
    if (waitMs <= 0) return;
    logger.info('HEAT asked us to slow down; waiting before the next call', {
      event: 'heat_backoff_wait',
      waitMs,
    });
    await sleep(waitMs);
  }

  function clean(text: string): string {
    const secrets = [config.apiKey, config.session?.password, session.value].filter((s): s is string =>
      Boolean(s),
    );
    const redacted = redactHeatSecrets(decodeHtmlEntities(text), secrets).trim();
    return redacted.length > MAX_MESSAGE_CHARS ? `${redacted.slice(0, MAX_MESSAGE_CHARS)}...` : redacted;
  }

  /** One HTTP request: waits for a concurrency slot, counts it, reports it, maps failures. */
  async function send(spec: RequestSpec, authorization: string | undefined): Promise<AxiosResponse> {
    if (closed) throw new Error('HEAT client is closed; create a new one');
    return semaphore.run(async () => {
      const gate = await budget.count(spec.method);
      await honourBackoff(gate.backoffUntilMs);
      const started = performance.now();
      const done = (status: number): void =>
        reportCall(logger, deps.onCall, {
          method: spec.method,
          path: spec.path,
          status,
          ms: Math.round(performance.now() - started),
        });
      let res: AxiosResponse;
      try {
        // The body goes as JSON text: axios' own transform would stringify it the same way after
        // probing its type, and would deep-copy the object while merging the config.
        const headers: Record<string, string> = {};
        if (authorization) headers['Authorization'] = authorization;
        let data: string | undefined;
        if (spec.body !== undefined) {
          data = JSON.stringify(spec.body);
          headers['Content-Type'] = 'application/json';
        }
        res = await axiosInstance.request({
          method: spec.method,
          url: joinUrl(config.baseUrl, spec.path) + (spec.query ?? ''),
          data,
          headers,
        });
      } catch (err) {
        done(0);
        throw errorFromNetwork(spec, err, clean);
      }
      done(res.status);
      if (res.status >= 200 && res.status < 300) {
        lastSuccess = now();
        authRefusal = null;
        return res;
      }
      if (res.status === 401 || res.status === 403) authRefusal = { at: now(), status: res.status };
      const waitMs = retryAfterMs(res.status, res.headers?.['retry-after'], now().getTime());
      if (waitMs !== null && (res.status === 429 || res.status === 503)) {
        // Shared through Redis: every replica and the CLI wait, not only this request.
        logger.warn('HEAT is throttling us; every client sharing the budget backs off', {
          event: 'heat_throttled',
          method: spec.method,
          path: spec.path,
          status: res.status,
          waitMs,
        });
        await budget.backOff(now().getTime() + waitMs);
      }
      throw errorFromResponse(spec, res, clean);
    });
  }

  /**
   * Repeats retryable failures (network, 408, 5xx) with full-jitter exponential backoff. A POST that
   * creates a record is not repeated here: HEAT may have committed it before the answer was lost (its
   * own timeout is 90 s, ours shorter), and a second POST would create a second note. The job-level
   * retry repeats it instead, after looking for the first one.
   */
  async function withRetries(spec: RequestSpec, authorization: string | undefined): Promise<AxiosResponse> {
    const creates = spec.method === 'POST' && spec.path !== LOGIN_PATH;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await send(spec, authorization);
      } catch (err) {
        if (!(err instanceof HeatApiError) || !err.retryable || attempt >= config.retries.max) throw err;
        // A 429 is a refusal before any work: even a POST that creates a record may be repeated.
        if (creates && err.status !== 429) throw err;
        // After a 429 the wait is HEAT's backoff, which the next send() waits out itself.
        const delayMs = err.status === 429 ? 0 : backoffDelay(attempt, config.retries, random);
        logger.warn('HEAT call failed; retrying', {
          method: spec.method,
          path: spec.path,
          status: err.status,
          code: err.code ?? err.networkCode,
          attempt: attempt + 1,
          delayMs,
        });
        if (delayMs > 0) await sleep(delayMs);
      }
    }
  }

  return {
    withRetries,
    stats: budget.stats,
    budget,
    lastSuccessAt: () => lastSuccess,
    authRefusedSince: () => authRefusal,
    close(): void {
      closed = true;
      for (const agent of ownAgents) agent.destroy();
      budget.close();
    },
  };
}

/**
 * Authenticated requests: an API key, or a session login shared by concurrent callers (single flight);
 * with session auth a 401 triggers one re-login and one repeat.
 */
function createAuthenticatedCall(
  config: HeatClientConfig,
  logger: Logger,
  http: HeatHttp,
  session: SessionRef,
): (spec: RequestSpec) => Promise<AxiosResponse> {
  let loginInFlight: Promise<string> | null = null;

  /** Session login, shared by every caller that needs it at the same time (single flight). */
  function login(): Promise<string> {
    if (loginInFlight) return loginInFlight;
    const creds = config.session;
    if (!creds)
      return Promise.reject(new Error('HEAT session login needs tenant, username, password and role'));
    loginInFlight = (async () => {
      try {
        const spec: RequestSpec = {
          method: 'POST',
          path: LOGIN_PATH,
          body: {
            tenant: creds.tenant,
            username: creds.username,
            password: creds.password,
            role: creds.role,
          },
        };
        const token = sessionTokenOf(await http.withRetries(spec, undefined));
        session.value = token;
        logger.info('HEAT session login succeeded', { path: LOGIN_PATH });
        return token;
      } finally {
        loginInFlight = null;
      }
    })();
    return loginInFlight;
  }

  async function authorization(): Promise<string> {
    // Literal prefix, equals sign, no space (docs/heat-api.md §2.1).
    if (config.apiKey) return `rest_api_key=${config.apiKey}`;
    // The session id is the whole header value, no scheme (docs/heat-api.md §2.2).
    return session.value ?? login();
  }

  /** An authenticated request; with session auth a 401 triggers one re-login and one repeat. */
  return async function call(spec: RequestSpec): Promise<AxiosResponse> {
    const used = await authorization();
    try {
      return await http.withRetries(spec, used);
    } catch (err) {
      // API keys do not expire (docs/heat-api.md §2.1, §2.4): a 401 with a key is final.
      if (!(err instanceof HeatApiError) || err.status !== 401 || config.apiKey) throw err;
      let fresh: string;
      if (session.value !== null && session.value !== used) {
        // Another request already logged in again after our session expired.
        fresh = session.value;
      } else {
        session.value = null;
        logger.info('HEAT session expired (401); logging in again', { method: spec.method, path: spec.path });
        fresh = await login();
      }
      // A second 401 propagates: the new session is refused too, so the credentials or role are wrong.
      return http.withRetries(spec, fresh);
    }
  };
}

type Call = (spec: RequestSpec) => Promise<AxiosResponse>;

async function* pagesOf(
  call: Call,
  pageSize: number,
  set: string,
  query: ODataQuery = {},
): AsyncGenerator<HeatRecord[]> {
  const path = collectionPath(set);
  // HEAT refuses $top above 100 (docs/heat-api.md §4), so larger requests are clamped rather than refused.
  const top = Math.min(query.top ?? pageSize, HEAT_MAX_TOP);
  let skip = query.skip ?? 0;
  for (;;) {
    const spec: RequestSpec = { method: 'GET', path, query: buildQueryString({ ...query, top, skip }) };
    const rows = rowsOf(spec, await call(spec));
    if (rows.length > 0) yield rows;
    // Clients page with $top + $skip until a short page (docs/heat-api.md §4); @odata.count is unreliable.
    if (rows.length < top) return;
    skip += top;
  }
}

/** A filter that passes each (RecId, LastModDateTime) once across the pages of one changedSince walk. */
function unseenRecords(): (page: HeatRecord[]) => HeatRecord[] {
  const seen = new Set<string>();
  return (page) =>
    page.filter((record) => {
      const modified = record['LastModDateTime'];
      const instant = typeof modified === 'string' ? Date.parse(modified) : NaN;
      const key = `${String(record['RecId'])}|${Number.isNaN(instant) ? String(modified) : instant}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** The newest LastModDateTime on a page (at least `cursor`), rounded down to the whole second. */
function newestWholeSecond(page: HeatRecord[], cursor: number): number {
  let newest = cursor;
  for (const record of page) {
    const modified = record['LastModDateTime'];
    const instant = typeof modified === 'string' ? Date.parse(modified) : NaN;
    if (!Number.isNaN(instant) && instant > newest) newest = instant;
  }
  return Math.floor(newest / 1000) * 1000;
}

async function* changedSinceOf(
  call: Call,
  config: HeatClientConfig,
  watermark: string,
  options: ChangedSinceOptions,
): AsyncGenerator<HeatRecord[]> {
  if (!Number.isFinite(options.overlapMs) || options.overlapMs < 0) {
    throw new RangeError(`overlapMs must be a non-negative number, got ${options.overlapMs}`);
  }
  const since = parseInstant(watermark, 'watermark') - options.overlapMs;
  const format = options.filterDateFormat ?? config.filterDateFormat ?? 'timestamp';
  const select = [...new Set(['RecId', 'LastModDateTime', ...(options.select ?? [])])];
  const set = options.set ?? 'incidents';
  const top = Math.min(options.top ?? config.pageSize, HEAT_MAX_TOP);
  const maxPages = options.maxPages ?? 10_000;
  const fresh = unseenRecords();
  // RecId breaks ties so the order is total.
  const orderby = 'LastModDateTime asc,RecId asc';

  if (format === 'date') {
    // A day-granular literal cannot carry a cursor: page with $skip (a record modified while we page
    // moves to the end and may be skipped this tick; the next tick's overlap of a day finds it).
    const pageSize = Math.min(config.pageSize, HEAT_MAX_TOP);
    const filter = filterSince('LastModDateTime', since, format);
    for await (const page of pagesOf(call, pageSize, set, { filter, select, orderby, top })) {
      const rows = fresh(page);
      if (rows.length > 0) yield rows;
    }
    return;
  }

  // Keyset paging: each request asks for `LastModDateTime ge <cursor>` and the cursor moves to the
  // newest time on the page. Plain $skip is not safe while writers (we ourselves) modify records:
  // a modified record moves to the end of the ordered set, and $skip would jump over records never
  // seen. $skip is used only within one second holding more than a page of records.
  let cursor = Math.floor(since / 1000) * 1000;
  let skip = 0;
  for (let pageNo = 0; pageNo < maxPages; pageNo++) {
    const filter = filterSince('LastModDateTime', cursor, format);
    const spec: RequestSpec = {
      method: 'GET',
      path: collectionPath(set),
      query: buildQueryString({ filter, select, orderby, top, skip }),
    };
    const page = rowsOf(spec, await call(spec));
    const rows = fresh(page);
    if (rows.length > 0) yield rows;
    if (page.length < top) return;
    const newest = newestWholeSecond(page, cursor);
    if (newest <= cursor) {
      skip += top;
    } else {
      cursor = newest;
      skip = 0;
    }
    if (options.untilMs !== undefined && cursor > options.untilMs) return;
  }
}

/** Backfill pacing over the shared budget (HeatClient.waitForBackfillTurn). */
async function waitForBackfillTurn(
  budget: CallBudget,
  deps: HeatClientDeps,
  options: BackfillTurnOptions = {},
): Promise<BudgetState> {
  const sleep = deps.sleep ?? defaultSleep;
  const { signal } = options;
  const recheckMs = options.recheckMs ?? 60_000;
  /** A wait that an aborted signal ends at once (the timer is cleared: nothing keeps the process up). */
  const wait = async (ms: number): Promise<void> => {
    if (!signal) return sleep(ms);
    if (signal.aborted) return;
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([sleep(ms, signal), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
  let state = await budget.state();
  let logged = false;
  while (state.backfillDelayMs > 0 && !signal?.aborted) {
    if (state.level === 'slow' && state.backoffUntil === null) {
      // Above the high-water mark: one pause per ticket, then go.
      await wait(state.backfillDelayMs);
      return budget.state();
    }
    if (!logged) {
      logged = true;
      options.onPause?.(state);
      deps.logger.info('backfill waits for the HEAT call budget', {
        event: 'backfill_budget_wait',
        level: state.level,
        used: state.used,
        budget: state.budget,
        resetsAt: state.resetsAt,
        backoffUntil: state.backoffUntil,
      });
    }
    await wait(Math.min(state.backfillDelayMs, recheckMs));
    state = await budget.state();
  }
  return state;
}

export function createHeatClient(config: HeatClientConfig, deps: HeatClientDeps): HeatClient {
  validateConfig(config);
  const logger = deps.logger;
  const pageSize = Math.min(config.pageSize, HEAT_MAX_TOP);
  const session: SessionRef = { value: null };
  const http = createHeatHttp(config, deps, session);
  const call = createAuthenticatedCall(config, logger, http, session);

  const pages = (set: string, query?: ODataQuery): AsyncGenerator<HeatRecord[]> =>
    pagesOf(call, pageSize, set, query);

  async function list(set: string, query?: ODataQuery): Promise<HeatRecord[]> {
    const all: HeatRecord[] = [];
    for await (const page of pages(set, query)) all.push(...page);
    return all;
  }

  async function getByRecId(set: string, recId: string): Promise<HeatRecord> {
    const spec: RequestSpec = { method: 'GET', path: recordPath(set, recId) };
    return recordOf(spec, await call(spec));
  }

  async function update(set: string, recId: string, fields: Record<string, unknown>): Promise<HeatRecord> {
    // HEAT answers 400 "Message body cannot be empty" to an empty PATCH (docs/heat-api.md §10): nothing to change.
    if (Object.keys(fields).length === 0) return getByRecId(set, recId);
    const spec: RequestSpec = { method: 'PATCH', path: recordPath(set, recId), body: fields };
    const res = await call(spec);
    // HEAT returns the full updated record (docs/heat-api.md §9.2); read it back if a tenant answers without one.
    if (res.status === 204 || isEmptyBody(res.data)) return getByRecId(set, recId);
    return recordOf(spec, res);
  }

  async function create(set: string, fields: Record<string, unknown>): Promise<HeatRecord> {
    const spec: RequestSpec = { method: 'POST', path: collectionPath(set), body: fields };
    const res = await call(spec);
    // HEAT answers 201 with the whole new record (docs/heat-api.md §9.1).
    if (res.status !== 201)
      logger.debug('HEAT create answered without 201', { path: spec.path, status: res.status });
    return recordOf(spec, res);
  }

  function createNote(note: JournalNoteInput): Promise<HeatRecord> {
    // The notes extension sets JournalType itself (docs/heat-api.md §9.4 a); PublishToWeb false = internal note.
    return create(NOTES_SET, {
      Subject: note.subject,
      NotesBody: note.body,
      Category: note.category ?? 'Memo',
      Source: note.source ?? 'Other',
      ParentLink_RecID: note.parentRecId,
      ParentLink_Category: note.parentCategory ?? 'Incident',
      PublishToWeb: note.publishToWeb ?? false,
    });
  }

  return {
    pages,
    list,
    changedSince: (watermark, options) => changedSinceOf(call, config, watermark, options),
    getByRecId,
    update,
    create,
    createNote,
    stats: http.stats,
    budgetState: () => http.budget.state(),
    waitForBackfillTurn: (options) => waitForBackfillTurn(http.budget, deps, options),
    lastSuccessAt: http.lastSuccessAt,
    authRefusedSince: http.authRefusedSince,
    close: http.close,
  };
}
