import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { HeatRecord } from './heat-record.js';
import { compileFilter } from './compile-filter.js';
import { compileOrderBy } from './compile-order-by.js';
import { createOutboundDispatcher } from './create-outbound-dispatcher.js';
import { createTenantStore, type TenantStore } from './create-tenant-store.js';
import {
  DEFAULT_INCIDENT_CUSTOM_FIELDS,
  DEFAULT_ORGUNIT_CUSTOM_FIELDS,
  type EntitySetDef,
} from './entity-schemas.js';
import { parseOffsetMinutes } from './format-heat-date.js';
import { HeatError, badRequest } from './heat-error.js';
import { renderCsdl } from './render-csdl.js';
import type {
  Simulator,
  SimulatorFaults,
  SimulatorOptions,
  SimulatorStats,
  SimulatorCall,
  SimulatorUser,
  SimulatorWorkflow,
  TruthEntry,
  WorkflowRestamp,
} from './simulator-types.js';

const DEFAULT_FAULTS: SimulatorFaults = {
  latencyMs: 0,
  errorRate: 0,
  sessionTtlMs: 0,
  slowPageMs: 0,
  slowAfterCalls: 0,
  slowAfterCallsMs: 0,
};
// docs/heat-api.md §6 (M-notes): workflows restamp records after API writes as this account.
const DEFAULT_WORKFLOW_LOGIN = 'InternalServices';
// The one relationship of an incident the simulator serves (docs/heat-api.md §3, §9.4: D-Related23).
const NOTES_RELATIONSHIP = 'incidentcontainsjournal';
// HEAT's page size: default 25, maximum 100; $top=101 answers 400 (docs/heat-api.md §4, D-Top21 + measured).
const DEFAULT_TOP = 25;
const MAX_TOP = 100;
const API_PREFIXES = ['', '/HEAT'] as const;

const unauthorized = (description = 'Invalid session key or session timed out'): HeatError =>
  new HeatError(401, 'ISM_4001', description, ['Authentication required']);
const notFound = (...messages: string[]): HeatError =>
  new HeatError(
    404,
    'ISM_4004',
    'Requested resource does not exist',
    messages.length ? messages : ['Invalid Path'],
  );
const internalError = (message = 'Internal server error'): HeatError =>
  new HeatError(500, 'ISM_5000', 'Internal Server Error', [message]);

class SimRequestError extends Error {}

function validateRestamp(input: unknown): Required<WorkflowRestamp> | null {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'object' || Array.isArray(input))
    throw new SimRequestError("'restamp' must be null or an object {delayMs, login?}");
  const { delayMs, login, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new SimRequestError(`unknown restamp setting '${unknown[0]}'; known: delayMs, login`);
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
    throw new SimRequestError("'restamp.delayMs' must be a number >= 0 (milliseconds after the API write)");
  if (login !== undefined && (typeof login !== 'string' || login.trim() === ''))
    throw new SimRequestError("'restamp.login' must be a non-empty login, e.g. 'InternalServices'");
  return { delayMs, login: login ?? DEFAULT_WORKFLOW_LOGIN };
}

function validateFaults(input: unknown): Partial<SimulatorFaults> {
  if (typeof input !== 'object' || input === null) throw new SimRequestError('faults must be an object');
  const out: Partial<SimulatorFaults> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_FAULTS)) {
      throw new SimRequestError(`unknown fault '${key}'; known: ${Object.keys(DEFAULT_FAULTS).join(', ')}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new SimRequestError(`fault '${key}' must be a number >= 0`);
    }
    if (key === 'errorRate' && value > 1)
      throw new SimRequestError("fault 'errorRate' is a share between 0 and 1");
    out[key as keyof SimulatorFaults] = value;
  }
  return out;
}

const firstValue = (v: unknown): string | undefined =>
  Array.isArray(v)
    ? v[0] === undefined
      ? undefined
      : String(v[0])
    : v === undefined
      ? undefined
      : String(v);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const json = (reply: FastifyReply, status: number, body: unknown): FastifyReply =>
  reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));

/** A HEAT tenant in a box: the REST API of docs/heat-api.md over HTTP, quirks included, plus /_sim/ test controls. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const apiKey = options.apiKey ?? 'sim-api-key';
  const keyAccount = options.keyAccount ?? 'sbt-router';
  const tenant = options.tenant ?? 'maplevalley.saasit.example';
  const tenantOffset = options.tenantOffset ?? '-06:00';
  parseOffsetMinutes(tenantOffset); // fail fast on a malformed offset
  const users: SimulatorUser[] = options.users ?? [
    { username: keyAccount, password: 'sim-password', role: 'Admin' },
  ];
  const emptyResult = options.emptyResult ?? 'empty-body';
  const now = options.now ?? ((): Date => new Date());
  const rate = options.rate ?? 0;
  let faults: SimulatorFaults = { ...DEFAULT_FAULTS, ...validateFaults(options.faults ?? {}) };
  let restampSetting = validateRestamp(options.workflowRestamp ?? null);
  const pendingRestamps = new Map<NodeJS.Timeout, { finish: () => void; finished: Promise<void> }>();
  let apiCalls = 0;
  let seed = options.seed ?? 1;
  let ticketCount = options.tickets ?? 320;

  const buildStore = (): TenantStore => {
    const s = createTenantStore({
      seed,
      tickets: ticketCount,
      ...(options.history ? { history: options.history } : {}),
      keyAccount,
      tenantOffset,
      timestampPrecision: options.timestampPrecision ?? 'second',
      now,
      customFields: {
        incidents: options.customFields?.incidents ?? DEFAULT_INCIDENT_CUSTOM_FIELDS,
        organizationalunits: options.customFields?.organizationalunits ?? DEFAULT_ORGUNIT_CUSTOM_FIELDS,
      },
      enforceRequiredFields: options.enforceRequiredFields ?? false,
    });
    s.onIncidentChange = (change, record) => outbound.fire(change, record);
    return s;
  };
  const outbound = createOutboundDispatcher();
  let store = buildStore();

  const sessions = new Map<string, { user: string; lastUsed: number }>();
  const emptyStats = (): Omit<SimulatorStats, 'outbound'> => ({
    total: 0,
    byMethod: {},
    byRoute: {},
    byStatus: {},
  });
  let counters = emptyStats();
  let callLog: SimulatorCall[] = [];
  const routeLabels = new WeakMap<FastifyRequest, string>();

  let baseUrl: string | null = null;
  let rateTimer: NodeJS.Timeout | null = null;

  const schemaFor = (set: string): EntitySetDef => {
    const def = store.schemas.get(set.toLowerCase());
    if (!def) throw new Error(`unknown entity set '${set}'; known: ${[...store.schemas.keys()].join(', ')}`);
    return def;
  };

  // ---------------------------------------------------------------- HTTP
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest('Invalid Request Payload', 'The request body is not valid JSON'), undefined);
    }
  });
  // IvantiPS posts the login form-encoded (docs/heat-api.md §2.2).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof HeatError) return json(reply, error.status, error.body());
    if (request.url.startsWith('/_sim/')) {
      return json(reply, 400, { error: error instanceof Error ? error.message : String(error) });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return json(reply, 400, badRequest('Invalid Request Payload', (error as Error).message).body());
    }
    return json(reply, 500, internalError().body());
  });

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/_sim/'))
      return json(reply, 404, { error: `no simulator endpoint ${request.method} ${request.url}` });
    routeLabels.set(request, `${request.method} unknown`);
    return json(reply, 404, notFound().body());
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith('/_sim/')) return;
    const label = routeLabels.get(request) ?? `${request.method} unknown`;
    counters.total += 1;
    counters.byMethod[request.method] = (counters.byMethod[request.method] ?? 0) + 1;
    counters.byRoute[label] = (counters.byRoute[label] ?? 0) + 1;
    const status = String(reply.statusCode);
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    if (options.callLog) {
      const key = /\('([^']*)'\)/.exec(request.url)?.[1];
      const body = request.body as Record<string, unknown> | undefined;
      const parent = body && typeof body === 'object' ? body['ParentLink_RecID'] : undefined;
      const recId = key ?? (typeof parent === 'string' ? parent : null);
      callLog.push({ method: request.method, route: label, recId, status: reply.statusCode });
    }
  });

  const applyFaults = async (collectionGet: boolean): Promise<void> => {
    apiCalls += 1;
    // HEAT SaaS answers beyond its daily call budget "slowed", never 429 (docs/heat-api.md §11, D-Throttle23).
    const throttled = faults.slowAfterCalls > 0 && apiCalls > faults.slowAfterCalls;
    const delay =
      faults.latencyMs + (collectionGet ? faults.slowPageMs : 0) + (throttled ? faults.slowAfterCallsMs : 0);
    if (delay > 0) await sleep(delay);
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) throw internalError();
  };

  const cancelRestamps = (): void => {
    for (const [timer, pending] of pendingRestamps) {
      clearTimeout(timer);
      pending.finish();
    }
    pendingRestamps.clear();
  };
  const scheduleRestamp = (recId: string): void => {
    if (!restampSetting) return;
    const { delayMs, login: workflowLogin } = restampSetting;
    // Bound to the store of the write: a /_sim/reset in between cancels it (cancelRestamps).
    const target = store;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const timer = setTimeout(() => {
      pendingRestamps.delete(timer);
      target.restamp('incidents', recId, workflowLogin);
      finish();
    }, delayMs);
    pendingRestamps.set(timer, { finish, finished });
  };
  const workflowIdle = async (): Promise<void> => {
    while (pendingRestamps.size > 0) await Promise.all([...pendingRestamps.values()].map((p) => p.finished));
  };
  const workflowState = (): SimulatorWorkflow => ({ restamp: restampSetting ? { ...restampSetting } : null });
  const setWorkflow = (input: unknown): void => {
    if (typeof input !== 'object' || input === null || !('restamp' in input))
      throw new SimRequestError('body must be {restamp: {delayMs, login?}} or {restamp: null}');
    restampSetting = validateRestamp((input as { restamp: unknown }).restamp);
  };

  const authorize = (request: FastifyRequest): string => {
    const header = request.headers.authorization;
    if (!header || header.trim() === '') throw unauthorized();
    const value = header.trim();
    const key = /^rest_api_key=(.*)$/i.exec(value);
    if (key) {
      // docs/heat-api.md §10: a wrong or empty key has its own description (measured).
      if (key[1] === apiKey) return keyAccount;
      throw unauthorized('Invalid Session key or Authentication token or Host');
    }
    // The raw session id is the documented form; some clients send `Bearer <id>` (docs/heat-api.md §2.2).
    const token = value.replace(/^Bearer\s+/i, '');
    const session = sessions.get(token);
    if (!session) throw unauthorized();
    const t = Date.now();
    if (faults.sessionTtlMs > 0 && t - session.lastUsed > faults.sessionTtlMs) {
      sessions.delete(token);
      throw unauthorized();
    }
    session.lastUsed = t;
    return session.user;
  };

  const contextBase = (request: FastifyRequest, prefix: string): string =>
    `http://${request.headers.host ?? '127.0.0.1'}${prefix}/api/odata/$metadata#`;

  const login = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    routeLabels.set(request, 'POST login');
    await applyFaults(false);
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    const field = (name: string): string => {
      const entry = Object.entries(body).find(([k]) => k.toLowerCase() === name);
      return entry && entry[1] !== undefined && entry[1] !== null ? String(entry[1]) : '';
    };
    const host = String(request.headers.host ?? '').toLowerCase();
    const tenantGiven = field('tenant').toLowerCase();
    // The tenant is the host name; the host the client is talking to is accepted too.
    const tenantOk =
      tenantGiven !== '' && [tenant.toLowerCase(), host, host.replace(/:\d+$/, '')].includes(tenantGiven);
    const user = users.find((u) => u.username.toLowerCase() === field('username').toLowerCase());
    if (
      !tenantOk ||
      !user ||
      user.password !== field('password') ||
      user.role.toLowerCase() !== field('role').toLowerCase()
    ) {
      throw badRequest(
        'Bad Request',
        'Unhandled system exception: Tenant Not Found or wrong Password or OpenID not Configured Properly.',
      );
    }
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const bytes = randomBytes(32);
    let middle = '';
    for (const b of bytes) middle += alphabet[b % alphabet.length];
    const sessionId = `${tenant}#${middle}#2`;
    sessions.set(sessionId, { user: user.username, lastUsed: Date.now() });
    return json(reply, 200, sessionId);
  };

  const collectionGet = (
    request: FastifyRequest,
    reply: FastifyReply,
    def: EntitySetDef | null,
    setName: string,
    prefix: string,
  ): FastifyReply => {
    const q = request.query as Record<string, unknown>;
    const topText = firstValue(q.$top);
    const skipText = firstValue(q.$skip);
    const top = topText === undefined ? DEFAULT_TOP : /^\d+$/.test(topText) ? Number(topText) : Number.NaN;
    const skip = skipText === undefined ? 0 : /^\d+$/.test(skipText) ? Number(skipText) : Number.NaN;
    if (Number.isNaN(top) || Number.isNaN(skip) || top > MAX_TOP)
      throw badRequest('Invalid Request Payload', 'Invalid Request Payload');
    const selectText = firstValue(q.$select);
    if (selectText !== undefined && selectText.trim() === '') {
      throw internalError('The Select value cannot be empty. Provide a valid Select value and try again');
    }
    let records: readonly HeatRecord[] = [];
    let select: string[] | null = null;
    if (def) {
      if (selectText !== undefined) {
        select = selectText.split(',').map((name) => {
          const f = def.byLowerName.get(name.trim().toLowerCase());
          if (!f)
            throw badRequest(
              'Invalid Request Payload',
              `'${name.trim()}' is not a field of ${def.businessObject}`,
            );
          return f.name;
        });
      }
      const filter = compileFilter(firstValue(q.$filter), def);
      const sorter = compileOrderBy(firstValue(q.$orderby), def);
      // Unknown $orderby field or direction: HEAT answers 204 No Content (docs/heat-api.md §4, measured).
      if (sorter === null) return reply.code(204).send();
      const all = store.records(def.name);
      records = filter.predicate ? all.filter(filter.predicate) : all;
      if (sorter) records = sorter(records === all ? [...all] : (records as HeatRecord[]));
    }
    const total = records.length;
    if (total === 0 && emptyResult === 'empty-body') {
      // HEAT's quirk: a filter that matches nothing answers 200 with an empty body (docs/heat-api.md §5).
      return reply.code(200).type('application/json; charset=utf-8').send('');
    }
    const page = records.slice(skip, skip + top);
    const value = select
      ? page.map((r) => {
          const out: HeatRecord = {};
          for (const f of select as string[]) out[f] = r[f];
          return out;
        })
      : page;
    const context = `${contextBase(request, prefix)}${setName}${select ? `(${select.join(',')})` : ''}`;
    return json(reply, 200, { '@odata.context': context, '@odata.count': total, value });
  };

  const unquote = (keyPart: string): string => {
    const keyMatch = /^'(.*)'$/.exec(keyPart.trim());
    const key = keyMatch ? (keyMatch[1] as string) : keyPart.trim();
    if (key === '') throw badRequest('Invalid Request Payload', 'Key value cannot be empty');
    return key;
  };

  const navigate = (
    request: FastifyRequest,
    reply: FastifyReply,
    set: string,
    key: string,
    relationship: string,
    relatedKeyPart: string | undefined,
    isRef: boolean,
    prefix: string,
  ): FastifyReply => {
    if (set !== 'incidents' || relationship.toLowerCase() !== NOTES_RELATIONSHIP)
      throw notFound('No service for the resource is registered.');
    const method = request.method;
    if (isRef && relatedKeyPart !== undefined && (method === 'PATCH' || method === 'DELETE')) {
      store.linkNote(key, unquote(relatedKeyPart), method === 'PATCH');
      // Link: 200 with an ISM_2000 body (D-Link19); unlink: 204 (D-Unlink24).
      if (method === 'DELETE') return reply.code(204).send();
      return json(reply, 200, {
        code: 'ISM_2000',
        description: 'Ok',
        message: ['Successfully Created the link'],
        help: '',
      });
    }
    if (method !== 'GET' || isRef || relatedKeyPart !== undefined) throw notFound();
    const incident = store.find(set, key);
    if (!incident) throw badRequest('Invalid Request Payload', 'Invalid key');
    const recId = String(incident.RecId);
    const notes = store
      .records('journal__notess')
      .filter((n) => String(n.ParentLink_RecID ?? '').toUpperCase() === recId);
    // A navigation with nothing related answers a STRING value (docs/heat-api.md §5, measured).
    if (notes.length === 0) return json(reply, 200, { value: 'No instances found.' });
    return json(reply, 200, {
      '@odata.context': `${contextBase(request, prefix)}Collection(MetaData.journal)`,
      value: notes,
    });
  };

  const metadata = async (
    request: FastifyRequest,
    reply: FastifyReply,
    prefix: string,
  ): Promise<FastifyReply> => {
    const rawPath = (request.url.split('?')[0] ?? '').slice(`${prefix}/api/odata/`.length);
    routeLabels.set(request, rawPath.endsWith('$metadata') ? 'GET $metadata' : 'GET unknown');
    await applyFaults(false);
    authorize(request);
    // The service-root $metadata is not served (docs/heat-api.md §10, M-notes: 404 "No service").
    if (rawPath === '$metadata') throw new HeatError(404, 'ISM_4004', 'No service', ['No service']);
    const m = /^([A-Za-z0-9_]+)\/\$metadata$/.exec(rawPath);
    const def = m ? store.schemas.get((m[1] as string).toLowerCase()) : undefined;
    if (!def) throw notFound('No service for the resource is registered.');
    // Measured: asking for JSON metadata answers 500; only CSDL XML is served (docs/heat-api.md §3, M-notes).
    if (
      String(request.headers.accept ?? '')
        .toLowerCase()
        .includes('application/json')
    )
      throw internalError();
    return reply.code(200).type('application/xml; charset=utf-8').send(renderCsdl(def));
  };

  const odata = async (
    request: FastifyRequest,
    reply: FastifyReply,
    prefix: string,
  ): Promise<FastifyReply> => {
    const rawPath = request.url.split('?')[0] ?? '';
    let path: string;
    try {
      path = decodeURIComponent(rawPath.slice(`${prefix}/api/odata/businessobject/`.length));
    } catch {
      throw notFound();
    }
    // set, optional ('key'), optional /Relationship, optional ('relatedKey'), optional /$Ref (docs/heat-api.md §3).
    const m = /^([A-Za-z0-9_#]+)(?:\(([^)]*)\))?(?:\/([A-Za-z0-9_]+)(?:\(([^)]*)\))?(\/\$ref)?)?$/i.exec(
      path,
    );
    const method = request.method;
    if (!m) {
      routeLabels.set(request, `${method} unknown`);
      await applyFaults(false);
      throw notFound('No service for the resource is registered.');
    }
    const requested = (m[1] as string).toLowerCase();
    const keyPart = m[2];
    const navigation = m[3];
    const relatedKeyPart = m[4];
    const isRef = m[5] !== undefined;
    const known = store.schemas.get(requested);
    const setName = known ? known.name : requested;
    const isCollectionGet = method === 'GET' && keyPart === undefined;
    const routeName =
      navigation !== undefined
        ? `${method} ${setName} ${isRef ? '$Ref' : 'navigation'}`
        : method === 'GET'
          ? `GET ${setName} ${keyPart === undefined ? 'collection' : 'key'}`
          : `${method} ${setName}`;
    routeLabels.set(request, routeName);
    await applyFaults(isCollectionGet);
    const actor = authorize(request);

    if (!known) {
      // A singular (incident) answers 404; an unknown plural answers 200 with no rows (docs/heat-api.md §1).
      if (store.schemas.has(`${requested}s`) || !isCollectionGet) {
        throw notFound('No service for the resource is registered.');
      }
      return collectionGet(request, reply, null, setName, prefix);
    }
    if (navigation !== undefined) {
      if (keyPart === undefined) throw notFound('No service for the resource is registered.');
      return navigate(
        request,
        reply,
        known.name,
        unquote(keyPart),
        navigation,
        relatedKeyPart,
        isRef,
        prefix,
      );
    }
    if (keyPart === undefined) {
      if (method === 'GET') return collectionGet(request, reply, known, setName, prefix);
      if (method === 'POST') {
        const created = store.create(known.name, request.body, actor);
        return json(reply, 201, {
          '@odata.context': `${contextBase(request, prefix)}${setName}/$entity`,
          ...created,
        });
      }
      throw notFound();
    }
    const key = unquote(keyPart);
    if (method === 'GET') {
      const record = store.find(known.name, key);
      if (!record) throw badRequest('Invalid Request Payload', 'Invalid key');
      const context = `${contextBase(request, prefix)}${setName}/$entity`;
      // $select on a single-record GET returns only the context, no fields (docs/heat-api.md §4, measured).
      if (firstValue((request.query as Record<string, unknown>).$select) !== undefined) {
        return json(reply, 200, { '@odata.context': context });
      }
      return json(reply, 200, { '@odata.context': context, ...record });
    }
    if (method === 'PATCH' || method === 'PUT') {
      // PUT and PATCH take the same payload: only the fields given change (docs/heat-api.md §9.2).
      const updated = store.update(known.name, key, request.body, actor);
      if (known.name === 'incidents') scheduleRestamp(String(updated.RecId));
      return json(reply, 200, {
        '@odata.context': `${contextBase(request, prefix)}${setName}/$entity`,
        ...updated,
      });
    }
    throw notFound();
  };

  for (const prefix of API_PREFIXES) {
    app.post(`${prefix}/api/rest/authentication/login`, login);
    app.route({
      method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
      url: `${prefix}/api/odata/businessobject/*`,
      handler: (request, reply) => odata(request, reply, prefix),
    });
    app.get(`${prefix}/api/odata/*`, (request, reply) => metadata(request, reply, prefix));
  }

  // ---------------------------------------------------------------- /_sim/ (not HEAT's API; no auth)
  const stats = (): SimulatorStats => ({
    total: counters.total,
    byMethod: { ...counters.byMethod },
    byRoute: { ...counters.byRoute },
    byStatus: { ...counters.byStatus },
    outbound: outbound.counts(),
  });
  const resetStats = (): void => {
    counters = emptyStats();
    callLog = [];
    // A stats reset starts a new "day" for the slowAfterCalls budget.
    apiCalls = 0;
    outbound.resetCounts();
  };
  const setFaults = (f: Partial<SimulatorFaults>): void => {
    faults = { ...faults, ...validateFaults(f) };
  };
  const copy = (r: HeatRecord): HeatRecord => ({ ...r });
  const actAsPerson = (recId: string, login: string, fields: Record<string, unknown>): HeatRecord => {
    if (typeof login !== 'string' || login.trim() === '')
      throw new SimRequestError("'login' is required: the person's LoginID");
    return copy(store.update('incidents', recId, fields, login));
  };
  const createTickets = (count: number): HeatRecord[] => {
    if (!Number.isInteger(count) || count < 1 || count > 10_000) {
      throw new SimRequestError("'count' must be an integer between 1 and 10000");
    }
    return store.createSelfServiceTickets(count).map(copy);
  };
  const bodyObject = (body: unknown): Record<string, unknown> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new SimRequestError('body must be a JSON object');
    return body as Record<string, unknown>;
  };

  app.get('/_sim/stats', async (_req, reply) => json(reply, 200, stats()));
  app.post('/_sim/stats/reset', async (_req, reply) => {
    resetStats();
    return json(reply, 200, stats());
  });
  app.get('/_sim/faults', async (_req, reply) => json(reply, 200, faults));
  app.post('/_sim/faults', async (request, reply) => {
    setFaults(validateFaults(request.body ?? {}));
    return json(reply, 200, faults);
  });
  app.get('/_sim/workflow', async (_req, reply) => json(reply, 200, workflowState()));
  app.post('/_sim/workflow', async (request, reply) => {
    setWorkflow(request.body ?? {});
    return json(reply, 200, workflowState());
  });
  app.post('/_sim/reset', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.seed !== undefined) {
      if (!Number.isInteger(body.seed)) throw new SimRequestError("'seed' must be an integer");
      seed = body.seed as number;
    }
    if (body.tickets !== undefined) {
      if (!Number.isInteger(body.tickets) || (body.tickets as number) < 0)
        throw new SimRequestError("'tickets' must be an integer >= 0");
      ticketCount = body.tickets as number;
    }
    cancelRestamps();
    store = buildStore();
    return json(reply, 200, { seed, tickets: store.records('incidents').length });
  });
  app.get('/_sim/truth', async (_req, reply) => json(reply, 200, store.truth()));
  app.post('/_sim/act-as-person', async (request, reply) => {
    const body = bodyObject(request.body);
    if (typeof body.recId !== 'string')
      throw new SimRequestError("'recId' is required: the incident's RecId");
    return json(reply, 200, actAsPerson(body.recId, body.login as string, bodyObject(body.fields)));
  });
  app.post('/_sim/tickets', async (request, reply) => {
    const body = bodyObject(request.body);
    if (body.count !== undefined) {
      const created = createTickets(body.count as number);
      return json(reply, 201, {
        created: created.map((r) => ({ RecId: r.RecId, IncidentNumber: r.IncidentNumber })),
      });
    }
    const { expect, ...fields } = body;
    if (expect !== undefined && (!Array.isArray(expect) || expect.some((e) => typeof e !== 'string'))) {
      throw new SimRequestError("'expect' must be a list of category ids");
    }
    return json(reply, 201, copy(store.createSelfServiceTicket(fields, expect as string[] | undefined)));
  });
  app.get('/_sim/outbound-rules', async (_req, reply) => json(reply, 200, outbound.rules()));
  app.post('/_sim/outbound-rules', async (request, reply) => {
    try {
      return json(reply, 201, outbound.add(request.body));
    } catch (error) {
      throw new SimRequestError((error as Error).message);
    }
  });
  app.delete('/_sim/outbound-rules', async (_req, reply) => {
    outbound.clear();
    return json(reply, 200, []);
  });
  app.get('/_sim/info', async (_req, reply) =>
    json(reply, 200, { url: baseUrl, tenant, keyAccount, seed, tickets: store.records('incidents').length }),
  );

  const simulator: Simulator = {
    async listen(port = 0, host = '127.0.0.1') {
      const address = await app.listen({ port, host });
      const actual = app.server.address();
      const boundPort = typeof actual === 'object' && actual ? actual.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      baseUrl = typeof actual === 'object' && actual ? `http://${shownHost}:${boundPort}` : address;
      if (rate > 0) {
        rateTimer = setInterval(
          () => store.createSelfServiceTickets(1),
          Math.max(1, Math.round(60_000 / rate)),
        );
        rateTimer.unref();
      }
      return baseUrl;
    },
    async close() {
      if (rateTimer) clearInterval(rateTimer);
      rateTimer = null;
      cancelRestamps();
      await app.close();
      await outbound.idle();
      baseUrl = null;
    },
    get url() {
      if (!baseUrl) throw new Error('simulator.url is only known after listen() resolves');
      return baseUrl;
    },
    apiKey,
    stats,
    calls: () => callLog.map((c) => ({ ...c })),
    resetStats,
    setFaults,
    workflow: workflowState,
    setWorkflow,
    workflowIdle,
    list: (set) => store.records(schemaFor(set).name).map(copy),
    get(set, recId) {
      const r = store.find(schemaFor(set).name, recId);
      return r ? copy(r) : undefined;
    },
    notesFor: (recId) =>
      store
        .records('journal__notess')
        .filter((n) => String(n.ParentLink_RecID ?? '').toUpperCase() === recId.toUpperCase())
        .map(copy),
    truth: (): TruthEntry[] => store.truth(),
    actAsPerson,
    createTickets,
  };
  return simulator;
}
