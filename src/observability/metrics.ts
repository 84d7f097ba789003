import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from './with-timeout.js';

/** Every way a POST to /webhooks/heat can end; one time series each (docs/deployment.md lists them). */
export const WEBHOOK_OUTCOMES = [
  'accepted',
  'deduplicated',
  'unauthorized',
  'bad_request',
  'unsupported_media_type',
  'too_large',
  'unknown_incident',
  'unknown_ticket',
  'replayed',
  'rate_limited',
  'unavailable',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** Suggested job outcomes (the job handler may add more); pre-created so that dashboards show zeros. */
export const JOB_OUTCOMES = ['completed', 'skipped', 'dropped', 'retried', 'failed'] as const;

/** Something that refreshes gauges right before a scrape (queue depth, oldest waiting job, poll lag). */
export type ScrapeCollector = () => Promise<void> | void;

export interface Metrics {
  /** Own registry: tests and several servers in one process never share series. */
  readonly registry: Registry;
  readonly ticketsClassified: Counter<'category' | 'scope'>;
  /** Tickets moved to another team; destination = the team name from routing.yaml. */
  readonly ticketMoves: Counter<'destination'>;
  /** Moves HEAT refused because the tenant requires an Owner (the ticket was tagged only). */
  readonly ticketMovesRefused: Counter<'destination'>;
  /** A person changed our decision (category = the category we had chosen). */
  readonly overrides: Counter<'category'>;
  readonly heatCalls: Counter<'method' | 'status'>;
  readonly heatCallSeconds: Histogram<'method'>;
  /**
   * Calls today of every replica and command sharing the budget in Redis / heat.dailyCallBudget (UTC
   * day; HEAT slows tenants past 100,000 calls a day, docs/heat-api.md §11). Backfill slows at 0.8 and
   * pauses at 1.
   */
  readonly heatBudgetUsedRatio: Gauge;
  /** Jobs per BullMQ state (waiting, active, delayed, failed, ...). */
  readonly queueDepth: Gauge<'state'>;
  readonly oldestWaitingJobAgeSeconds: Gauge;
  /** Now minus the poll watermark (LastModDateTime of the newest ticket seen): quiet nights raise it too. */
  readonly pollLagSeconds: Gauge;
  /** Unix time of the last poll tick this process finished; alert on its age, not on pollLagSeconds. */
  readonly pollLastSuccessTimestampSeconds: Gauge;
  /** Tickets parked because HEAT refused them over our configuration (an unknown destination team). */
  readonly parkedTickets: Gauge;
  readonly webhookRequests: Counter<'outcome'>;
  readonly jobs: Counter<'outcome'>;
  /** SIGHUP / --watch-config reloads, accepted or rejected (the running config stays). */
  readonly configReloads: Counter<'outcome'>;
  readonly jobSeconds: Histogram;
  /** Collectors that threw during a scrape (the scrape still answers with the other series). */
  readonly collectorErrors: Counter;
  /** Run `collector` before every render() (e.g. read queue counts from Redis). */
  onScrape(collector: ScrapeCollector): void;
  /** Prometheus text exposition; runs the scrape collectors first. */
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * Prometheus scrapes time out after 10 s by default; a collector stuck on an unreachable Redis must not
 * take the whole scrape (and the process metrics in it) down with it.
 */
const COLLECTOR_TIMEOUT_MS = 2_000;

type Registers = Registry[];

/** What happened to tickets: classified, moved, moves refused, decisions overridden. */
function createTicketMetrics(
  registers: Registers,
): Pick<Metrics, 'ticketsClassified' | 'ticketMoves' | 'ticketMovesRefused' | 'overrides'> {
  const ticketsClassified = new Counter({
    name: 'sbt_tickets_classified_total',
    help: 'Tickets classified, by category id and scope',
    labelNames: ['category', 'scope'] as const,
    registers,
  });
  const ticketMoves = new Counter({
    name: 'sbt_ticket_moves_total',
    help: 'Tickets moved to another team, by destination',
    labelNames: ['destination'] as const,
    registers,
  });
  const ticketMovesRefused = new Counter({
    name: 'sbt_ticket_moves_refused_total',
    help: 'Moves HEAT refused because an Owner is required (tagged only), by destination',
    labelNames: ['destination'] as const,
    registers,
  });
  const overrides = new Counter({
    name: 'sbt_overrides_total',
    help: 'Decisions a person changed afterwards, by the category we had chosen',
    labelNames: ['category'] as const,
    registers,
  });
  return { ticketsClassified, ticketMoves, ticketMovesRefused, overrides };
}

/** HEAT REST calls: count, latency and the share of the daily budget used. */
function createHeatMetrics(
  registers: Registers,
): Pick<Metrics, 'heatCalls' | 'heatCallSeconds' | 'heatBudgetUsedRatio'> {
  const heatCalls = new Counter({
    name: 'sbt_heat_calls_total',
    help: 'HEAT REST calls, by HTTP method and status (0 = network error)',
    labelNames: ['method', 'status'] as const,
    registers,
  });
  const heatCallSeconds = new Histogram({
    name: 'sbt_heat_call_duration_seconds',
    help: 'HEAT REST call latency, by HTTP method',
    labelNames: ['method'] as const,
    // HEAT answers reads in ~100-500 ms and times out at 30 s (service.yaml heat.timeoutMs).
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const heatBudgetUsedRatio = new Gauge({
    name: 'sbt_heat_budget_used_ratio',
    help: "Share of the day's shared HEAT call budget used (calls today by all replicas and commands / heat.dailyCallBudget, UTC day)",
    registers,
  });
  return { heatCalls, heatCallSeconds, heatBudgetUsedRatio };
}

/** The tickets queue, the poller and parked tickets (refreshed by scrape collectors). */
function createQueueMetrics(
  registers: Registers,
): Pick<
  Metrics,
  | 'queueDepth'
  | 'oldestWaitingJobAgeSeconds'
  | 'pollLagSeconds'
  | 'pollLastSuccessTimestampSeconds'
  | 'parkedTickets'
> {
  const queueDepth = new Gauge({
    name: 'sbt_queue_jobs',
    help: 'Jobs in the tickets queue, by state',
    labelNames: ['state'] as const,
    registers,
  });
  const oldestWaitingJobAgeSeconds = new Gauge({
    name: 'sbt_queue_oldest_waiting_job_age_seconds',
    help: 'Age of the oldest waiting job (0 when none waits)',
    registers,
  });
  const pollLagSeconds = new Gauge({
    name: 'sbt_poll_lag_seconds',
    help: 'Now minus the poll watermark',
    registers,
  });
  const pollLastSuccessTimestampSeconds = new Gauge({
    name: 'sbt_poll_last_success_timestamp_seconds',
    help: 'Unix time of the last poll tick this process finished (0 before the first)',
    registers,
  });
  const parkedTickets = new Gauge({
    name: 'sbt_parked_tickets',
    help: 'Tickets tagged but not moved because HEAT does not know their destination (see ticket_parked); re-driven after a config reload or a backfill',
    registers,
  });
  return {
    queueDepth,
    oldestWaitingJobAgeSeconds,
    pollLagSeconds,
    pollLastSuccessTimestampSeconds,
    parkedTickets,
  };
}

/** Webhook requests, config reloads, jobs and scrape collector errors. */
function createServiceMetrics(
  registers: Registers,
): Pick<Metrics, 'webhookRequests' | 'configReloads' | 'jobs' | 'jobSeconds' | 'collectorErrors'> {
  const webhookRequests = new Counter({
    name: 'sbt_webhook_requests_total',
    help: 'POSTs to /webhooks/heat, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const configReloads = new Counter({
    name: 'sbt_config_reloads_total',
    help: 'Config reloads by outcome (rejected: the running config stays; see config_reload_rejected)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const jobs = new Counter({
    name: 'sbt_jobs_total',
    help: 'Ticket jobs finished, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const jobSeconds = new Histogram({
    name: 'sbt_job_duration_seconds',
    help: 'Ticket job duration (read, classify, apply, count)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers,
  });
  const collectorErrors = new Counter({
    name: 'sbt_metrics_collector_errors_total',
    help: 'Scrape-time collectors that threw (e.g. Redis unreachable while reading queue depth)',
    registers,
  });

  return { webhookRequests, jobs, configReloads, jobSeconds, collectorErrors };
}

/**
 * prom-client metrics on a registry of their own (never the global one), with Node's default process
 * metrics. Names are prefixed `sbt_` except the default process_* / nodejs_* series, so that stock
 * Node dashboards keep working.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // Created in this order, so the exposition lists them in it.
  const ticketMetrics = createTicketMetrics(registers);
  const heatMetrics = createHeatMetrics(registers);
  const queueMetrics = createQueueMetrics(registers);
  const serviceMetrics = createServiceMetrics(registers);
  const { webhookRequests, jobs, collectorErrors } = serviceMetrics;

  // Zero series exist from the start, so rate() and alerts work before the first event.
  for (const outcome of WEBHOOK_OUTCOMES) webhookRequests.inc({ outcome }, 0);
  for (const outcome of JOB_OUTCOMES) jobs.inc({ outcome }, 0);

  const collectors: ScrapeCollector[] = [];

  return {
    registry,
    ...ticketMetrics,
    ...heatMetrics,
    ...queueMetrics,
    ...serviceMetrics,
    contentType: registry.contentType,
    onScrape(collector) {
      collectors.push(collector);
    },
    async render() {
      const results = await Promise.allSettled(
        collectors.map((collect) =>
          withTimeout(Promise.resolve().then(collect), COLLECTOR_TIMEOUT_MS, 'scrape collector'),
        ),
      );
      for (const result of results) if (result.status === 'rejected') collectorErrors.inc();
      return registry.metrics();
    },
  };
}
