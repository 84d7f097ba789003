import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/index.js';
import type { CountsService } from '../counts/index.js';
import type { HeatClient, HeatClientDeps } from '../heat/index.js';
import type { PollResult } from '../ingest/index.js';
import type { Deadline, Logger, Metrics, QueueProgress } from '../observability/index.js';
import type { ParkedStore, ProcessedStore, TicketQueue } from '../queue/index.js';
import type { ProcessOutcome } from './process-ticket.js';
import type { ReloadResult } from './reload-config.js';
import type { RuntimeState } from './runtime-state.js';

export interface ServiceOptions {
  config: LoadedConfig;
  logger: Logger;
  redisUrl: string;
  /** Injected in tests; built from config otherwise. */
  heat?: HeatClient;
  /** The clock and waits of the HEAT client built from config (tests pin and record them). */
  heatDeps?: Pick<HeatClientDeps, 'now' | 'sleep'>;
  /** Run the poll scheduler in this process (default: service.poll.enabled). */
  poll?: boolean;
  /** Where config is re-read from on reload (default: config.dir). */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  onOutcome?: (outcome: ProcessOutcome) => void;
  onPoll?: (result: PollResult) => void;
  /** Injected in tests; a fresh registry otherwise. */
  metrics?: Metrics;
}

export interface Service {
  readonly heat: HeatClient;
  readonly queue: TicketQueue;
  readonly worker: Worker;
  readonly counts: CountsService | null;
  readonly processed: ProcessedStore;
  /** Tickets HEAT refused because of our configuration (an unknown destination team). */
  readonly parked: ParkedStore;
  readonly redis: Redis;
  /** The fail-fast connection (webhook enqueues, readiness pings). */
  readonly producer: Redis;
  readonly metrics: Metrics;
  runtime(): RuntimeState;
  /** Custom fields the tenant lacks (found at start-up): never written, never selected. */
  missingFields(): ReadonlySet<string>;
  /** Queue state for readiness: waiting/active counts, oldest waiting job, last finished job. */
  queueProgress(): Promise<QueueProgress>;
  /** When any replica last finished a poll tick (kept in Redis; null before the first). */
  lastPollAt(): Promise<Date | null>;
  start(): Promise<void>;
  /** Runs one poll tick now (the scheduler runs them on its interval). */
  pollNow(): Promise<PollResult>;
  /**
   * Re-reads and validates config; on any problem keeps the running config and returns the error.
   * Does not ask HEAT and does not re-drive parked tickets: SIGHUP and --watch-config use reloadChecked.
   */
  reload(): ReloadResult;
  /**
   * SIGHUP / --watch-config: as reload(), and HEAT must know every destination team before the new
   * config takes effect (when HEAT cannot answer, it goes through with a warning). Once accepted, the
   * parked tickets are queued again.
   */
  reloadChecked(): Promise<ReloadResult>;
  /** Queues every parked ticket again (backfill); returns their RecIds. */
  redriveParked(): Promise<string[]>;
  /**
   * Drains active jobs within the shutdown budget (worker.shutdownDeadlineMs by default; a Deadline
   * when the caller has spent part of it already, e.g. on closing HTTP), then closes everything.
   */
  stop(budget?: number | Deadline): Promise<void>;
  /** Resolves when the tickets queue has no waiting, delayed or active job. */
  waitForIdle(timeoutMs: number): Promise<boolean>;
}
