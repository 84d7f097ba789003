import type { Redis } from 'ioredis';
import type { HeatRecord } from '../domain/index.js';

/** OData query options HEAT honours (docs/heat-api.md §4). */
export interface ODataQuery {
  /** Raw $filter text; build with the helpers in odata-filter.ts. */
  filter?: string;
  select?: readonly string[];
  /** e.g. "LastModDateTime asc,RecId asc" */
  orderby?: string;
  /** Page size; HEAT caps it at 100. */
  top?: number;
  skip?: number;
}

export interface HeatAuthConfig {
  /** `Authorization: rest_api_key=KEY` (docs/heat-api.md §2.1). */
  apiKey?: string;
  /** Session login (docs/heat-api.md §2.2): used when no apiKey is given. */
  session?: { tenant: string; username: string; password: string; role: string };
}

export interface HeatClientConfig extends HeatAuthConfig {
  /** e.g. https://district.saasit.com or https://host/HEAT (no trailing /api). */
  baseUrl: string;
  timeoutMs: number;
  maxConcurrency: number;
  dailyCallBudget: number;
  pageSize: number;
  retries: { max: number; baseDelayMs: number; maxDelayMs: number };
  /**
   * How changedSince() writes its date literal (docs/heat-api.md §6/§15: bare literals only).
   * 'timestamp' (default): `LastModDateTime ge 2026-11-01T10:00:00Z`; 'date': `ge 2026-10-31`, a day early,
   * for tenants that refuse timestamps.
   */
  filterDateFormat?: FilterDateFormat;
}

/** Literal form of a date in $filter; see HeatClientConfig.filterDateFormat. */
export type FilterDateFormat = 'timestamp' | 'date';

export interface HeatCallRecord {
  method: string;
  /** Path without query string, ids kept (no credentials are ever in a path). */
  path: string;
  status: number;
  ms: number;
}

export interface HeatCallStats {
  /** Calendar day (UTC, YYYY-MM-DD) the count is for. */
  day: string;
  calls: number;
  budget: number;
  byMethod: Record<string, number>;
}

/** Where the daily call budget is shared: every client on this Redis and prefix adds to one count. */
export interface HeatBudgetStore {
  redis: Redis;
  /** The queue prefix (service.yaml queue.prefix, '{sbt}' by default): the keys' hash tag. */
  prefix: string;
  /** close() of the client disconnects this connection (it was made for the client). */
  closeWithClient?: boolean;
}

/**
 * The day's HEAT calls against heat.dailyCallBudget, for all clients sharing the budget, and what
 * backfill work should do now. Live work is never held back by the budget, only by HEAT's own
 * throttling answer (backoffUntil), which every call honours.
 */
export interface BudgetState {
  /** UTC day (YYYY-MM-DD) the count is for; it starts again at 00:00 UTC. */
  day: string;
  used: number;
  budget: number;
  /** used / budget (0..1, above 1 past the budget). */
  ratio: number;
  /** 'normal' below 80%; 'slow' from 80% (backfill slows down); 'paused' from 100% (backfill waits for the next day). */
  level: 'normal' | 'slow' | 'paused';
  /** Counted in Redis across replicas and the CLI (false: this process only, no Redis configured). */
  shared: boolean;
  /** HEAT answered 429 / Retry-After: every call waits until then (ISO), or null. */
  backoffUntil: string | null;
  /** When the count starts again (next 00:00 UTC, ISO). */
  resetsAt: string;
  /** How long backfill work should wait before its next ticket (0: go now). */
  backfillDelayMs: number;
}

export interface BackfillTurnOptions {
  /** Stop waiting (the command was interrupted): resolves with the state at that moment. */
  signal?: AbortSignal;
  /** Re-read the shared state at least this often while paused (default 60 000). */
  recheckMs?: number;
  /**
   * Called once when the wait is a pause (budget used up, or HEAT's backoff), before waiting, with the
   * state that caused it: e.g. to tell the person running a command. Not called for the short slow-down.
   */
  onPause?: (state: BudgetState) => void;
}

export interface JournalNoteInput {
  parentRecId: string;
  /** Parent object, "Incident" by default. */
  parentCategory?: string;
  subject: string;
  body: string;
  /** Stock categories include "Memo" (default). */
  category?: string;
  /** false = internal note. */
  publishToWeb?: boolean;
  /** Stock sources include "Other" (default), "E-mail", "Phone/Fax". */
  source?: string;
}

export interface ChangedSinceOptions {
  /** Entity set, "incidents" by default. */
  set?: string;
  /** Re-read this many ms before the watermark so that nothing committed late is missed. */
  overlapMs: number;
  /** Fields to return; RecId and LastModDateTime are always added. */
  select?: readonly string[];
  /** Page size (<= 100). */
  top?: number;
  /** Stop once the cursor passes this instant (ms): later changes belong to the next poll. */
  untilMs?: number;
  /** Hard stop on the number of requests, so that a poll always ends. */
  maxPages?: number;
  /** Overrides HeatClientConfig.filterDateFormat for this query. */
  filterDateFormat?: FilterDateFormat;
}

/**
 * The HEAT REST client. Every method counts against the daily budget, retries network errors, 5xx and
 * 408 with backoff, re-logs in once on 401 with session auth, and throws HeatApiError otherwise.
 */
export interface HeatClient {
  /** Pages of a collection ($top + $skip until a short page); tolerates 204 and empty 200 bodies. */
  pages(set: string, query?: ODataQuery): AsyncIterable<HeatRecord[]>;
  /** All records of a query (convenience over pages()). */
  list(set: string, query?: ODataQuery): Promise<HeatRecord[]>;
  /**
   * Records modified at or after (watermark - overlap), ascending by LastModDateTime, with duplicates
   * (same RecId + LastModDateTime) removed across pages.
   */
  changedSince(watermark: string, options: ChangedSinceOptions): AsyncIterable<HeatRecord[]>;
  getByRecId(set: string, recId: string): Promise<HeatRecord>;
  /** PATCH with only the given fields; returns HEAT's full updated record. */
  update(set: string, recId: string, fields: Record<string, unknown>): Promise<HeatRecord>;
  /** POST; returns the created record (201). */
  create(set: string, fields: Record<string, unknown>): Promise<HeatRecord>;
  /** POST journal__notess with ParentLink_RecID (docs/heat-api.md §9.4 a). */
  createNote(note: JournalNoteInput): Promise<HeatRecord>;
  /** Calls this client made today (UTC day): what this process cost. */
  stats(): HeatCallStats;
  /** The shared budget: calls of every client today, the level, HEAT's backoff (docs/heat-client.md). */
  budgetState(): Promise<BudgetState>;
  /**
   * For backfill work, before each ticket: resolves at once below 80% of the budget, after a short
   * pause from 80%, and at the next UTC day (or when the count falls, e.g. a raised budget) from 100%;
   * it also waits out HEAT's backoff. Live work does not call it.
   */
  waitForBackfillTurn(options?: BackfillTurnOptions): Promise<BudgetState>;
  /** Time of the last successful HEAT answer (for readiness), or null. */
  lastSuccessAt(): Date | null;
  /** A 401/403 answer not followed by any success yet (credentials or role refused), or null. */
  authRefusedSince(): { at: Date; status: number } | null;
  /** Close keep-alive sockets. */
  close(): void;
}
