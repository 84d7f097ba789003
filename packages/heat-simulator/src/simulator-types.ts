import type { HeatRecord } from './heat-record.js';
import type { HistoryOptions } from './plan-history.js';

/** Faults the simulator can inject into HEAT API calls (never into /_sim/ calls). */
export interface SimulatorFaults {
  /** Delay before every HEAT API answer. */
  latencyMs: number;
  /** Share (0..1) of HEAT API calls answered 500 ISM_5000 before anything is done. */
  errorRate: number;
  /** Sessions idle for longer than this answer 401 ISM_4001; 0 = sessions never expire. */
  sessionTtlMs: number;
  /** Extra delay on collection GETs (HEAT pages are slower than key reads). */
  slowPageMs: number;
  /** After this many HEAT API calls (0 = never), add `slowAfterCallsMs` to every answer: HEAT throttles a
   * tenant over its daily budget by slowing it, never with 429 (docs/heat-api.md §11, D-Throttle23). */
  slowAfterCalls: number;
  slowAfterCallsMs: number;
}

export interface SimulatorUser {
  username: string;
  password: string;
  /** Internal role name, e.g. "Admin" (docs/heat-api.md §2.2: login needs the internal name). */
  role: string;
}

export interface SimulatorOptions {
  /** Seed of the generated tenant: same seed (and same `now`) = byte-identical data. Default 1. */
  seed?: number;
  /** Seeded tickets (default 320). */
  tickets?: number;
  /** REST API key accepted as `Authorization: rest_api_key=KEY`. Default 'sim-api-key'. */
  apiKey?: string;
  /** The key's "On Behalf Of" login, stamped as LastModBy on key-authenticated writes. Default 'sbt-router'. */
  keyAccount?: string;
  /** Session-login users. Default: sbt-router / sim-password / Admin. */
  users?: SimulatorUser[];
  /** Tenant host expected by the login call and embedded in session ids. */
  tenant?: string;
  /** HEAT answers a filter matching nothing with 200 and an EMPTY body; 'empty-value' answers {"value": []}. */
  emptyResult?: 'empty-body' | 'empty-value';
  /** HEAT stamps whole seconds; 'millisecond' for tests that need ordering within a second. */
  timestampPrecision?: 'second' | 'millisecond';
  /** Offset dates are rendered in, e.g. '-06:00' (fixed: no daylight-saving changes). */
  tenantOffset?: string;
  /** Clock (default: the real one). Seeded CreatedDateTimes lie in the ~90 days before now(). */
  now?: () => Date;
  /** When listening, create this many new random tickets per minute (live demo). */
  rate?: number;
  faults?: Partial<SimulatorFaults>;
  /** Keep a log of every HEAT API call (calls()); off by default, as it grows with every call. */
  callLog?: boolean;
  /** Tenant custom fields; each list REPLACES the default (pass a shorter list to model a tenant lacking a field). */
  customFields?: { incidents?: string[]; organizationalunits?: string[] };
  /**
   * Enforce HEAT's status-conditional required fields (Active needs Category, Owner, OwnerTeam; Resolved/Closed
   * also CauseCode, Resolution, Symptom and the customer link; docs/heat-api.md §7). `true` checks every incident
   * save (a team move that clears the Owner of an Active ticket is refused); 'on-status-change' only checks
   * writes that set Status (the lenient variant, docs/heat-api.md does not settle which one HEAT does). Default false.
   */
  enforceRequiredFields?: boolean | 'on-status-change';
  /**
   * Model HEAT's workflow engine writing right after an API write (docs/heat-api.md §6, §11: `LastModBy =
   * 'InternalServices'`): after every incident PATCH/PUT through the API, after `delayMs`, LastModDateTime and
   * LastModBy (default login 'InternalServices') are restamped; nothing else changes; outbound rules fire.
   * Default off (null).
   */
  workflowRestamp?: WorkflowRestamp | null;
  /**
   * Seed a help desk's past as well (off by default; the default tenant does not change): `closed`
   * Resolved/Closed tickets created 91-119 days before now(), each finally owned by the team that really
   * does the work, `mislabelRate` (default 0.1) of them by a wrong team, and `overrides` (default 0)
   * Active tickets a person moved to the right team after routing (SBT_RoutedTo, SBT_Override set).
   * Seeded from its own stream: same seed, same history. docs/simulator.md.
   */
  history?: HistoryOptions;
}

export interface WorkflowRestamp {
  delayMs: number;
  /** Default 'InternalServices' (docs/heat-api.md §6, measured). */
  login?: string;
}

export interface SimulatorWorkflow {
  restamp: Required<WorkflowRestamp> | null;
}

export interface SimulatorStats {
  total: number;
  byMethod: Record<string, number>;
  /** e.g. "GET incidents collection", "GET incidents key", "PATCH incidents", "POST journal__notess", "POST login". */
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  outbound: { sent: number; ok: number; failed: number };
}

/** One HEAT API call as the simulator answered it (SimulatorOptions.callLog). */
export interface SimulatorCall {
  method: string;
  /** The stats route label, e.g. "GET incidents key", "PATCH incidents", "POST journal__notess". */
  route: string;
  /** The record the call is about: the key in the URL, or a note's ParentLink_RecID; null for collections. */
  recId: string | null;
  status: number;
}

export interface TruthEntry {
  RecId: string;
  IncidentNumber: number;
  /** Category ids (docs/architecture.md) a correct classifier may answer; the first is the intended one. */
  expect: string[];
  /** History tickets only (SimulatorOptions.history): the team that owns the ticket at the end. */
  finalTeam?: string;
  /** History tickets only: the final team is a wrong one (a person's slip). */
  mislabelled?: boolean;
  /** Override tickets only: the team the ticket had been routed to before a person moved it. */
  routedTo?: string;
}

export interface OutboundRule {
  id: string;
  url: string;
  on: Array<'create' | 'update'>;
  headers: Record<string, string>;
  /** `{{Field}}` placeholders are replaced by the record's values, JSON-escaped. */
  bodyTemplate: string;
}

export interface Simulator {
  /** Starts the HTTP server; resolves to the base URL, e.g. http://127.0.0.1:PORT. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly url: string;
  readonly apiKey: string;
  stats(): SimulatorStats;
  /** Every HEAT API call since the start or resetStats(), oldest first ([] unless callLog is on). */
  calls(): SimulatorCall[];
  resetStats(): void;
  setFaults(faults: Partial<SimulatorFaults>): void;
  /** Current workflow behaviour (also GET /_sim/workflow). */
  workflow(): SimulatorWorkflow;
  /** Switches the workflow restamp on (`{restamp: {delayMs, login?}}`) or off (`{restamp: null}`). */
  setWorkflow(workflow: { restamp: WorkflowRestamp | null }): void;
  /** Resolves when no workflow restamp is pending (for tests and shutdown). */
  workflowIdle(): Promise<void>;
  /** Direct store access for tests (no HTTP); records are copies. */
  list(set: string): HeatRecord[];
  get(set: string, recId: string): HeatRecord | undefined;
  notesFor(recId: string): HeatRecord[];
  truth(): TruthEntry[];
  /** Applies a write as a person would in the HEAT UI (LastModBy = login); fires outbound rules. */
  actAsPerson(recId: string, login: string, fields: Record<string, unknown>): HeatRecord;
  /** Creates random tickets as the self-service portal would; fires outbound rules. */
  createTickets(count: number): HeatRecord[];
}
