import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../../config/index.js';
import { coerceError } from '../../domain/index.js';
import { createPollStatusStore } from '../../ingest/index.js';
import { readTicketQueueStatus, type TicketQueueStatus } from '../../queue/index.js';
import { clockOf, type CliContext } from '../cli-context.js';
import { loadConfigOrExplain, requireRedisUrl } from '../load-config-or-explain.js';
import { connectForCommand } from './report.js';

/** What `sbt-router status` reports: the config in force here and what Redis holds now. */
export interface ServiceStatus {
  /** When the status was read (the command's clock). */
  at: string;
  mode: 'enforce' | 'shadow';
  policyVersion: string;
  modelVersion: string | null;
  prefix: string;
  queue: TicketQueueStatus;
  poll: {
    enabled: boolean;
    intervalSeconds: number;
    /** The last poll tick any replica finished, or null before the first. */
    lastSuccessAt: string | null;
    /** Seconds from that tick to `at` (null before the first). */
    lagSeconds: number | null;
  };
  heatBudget: {
    dailyCallBudget: number;
    /** Calls used today across replicas: null while each process counts its own (nothing in Redis). */
    usedToday: number | null;
    note: string;
  };
  /** No store of recent errors exists yet: null, with the place to look instead. */
  recentErrors: null;
  recentErrorsNote: string;
}

const BUDGET_NOTE =
  "not shared yet: each process counts its own HEAT calls (see sbt_heat_budget_used_ratio on each replica's /metrics)";
const ERRORS_NOTE = 'no store of recent errors yet: see the failed count above and the service logs';

export async function readServiceStatus(
  config: LoadedConfig,
  redis: Redis,
  now: Date,
): Promise<ServiceStatus> {
  const service = config.service;
  const prefix = service.queue.prefix;
  const queue = await readTicketQueueStatus({ redis, prefix });
  const last = await createPollStatusStore(redis, prefix).lastSuccessAt();
  return {
    at: now.toISOString(),
    mode: service.mode,
    policyVersion: config.policyVersion,
    modelVersion: config.modelVersion,
    prefix,
    queue,
    poll: {
      enabled: service.poll.enabled,
      intervalSeconds: service.poll.intervalSeconds,
      lastSuccessAt: last ? last.toISOString() : null,
      lagSeconds: last ? Math.round((now.getTime() - last.getTime()) / 1000) : null,
    },
    heatBudget: { dailyCallBudget: service.heat.dailyCallBudget, usedToday: null, note: BUDGET_NOTE },
    recentErrors: null,
    recentErrorsNote: ERRORS_NOTE,
  };
}

/** The status for people: one block, one fact per line. */
export function formatServiceStatus(s: ServiceStatus): string {
  const q = s.queue;
  const pollLine = !s.poll.enabled
    ? 'off (poll.enabled: false)'
    : s.poll.lastSuccessAt
      ? `last finished ${s.poll.lastSuccessAt}, ${s.poll.lagSeconds} s ago (interval ${s.poll.intervalSeconds} s)`
      : `no poll has finished yet (interval ${s.poll.intervalSeconds} s)`;
  const lines = [
    `sbt-router status at ${s.at} (Redis prefix ${s.prefix})`,
    `  mode            ${s.mode}`,
    `  policy version  ${s.policyVersion}`,
    `  model version   ${s.modelVersion ?? 'none (rules only)'}`,
    `  queue           waiting ${q.waiting}, active ${q.active}, delayed ${q.delayed}, failed ${q.failed}, completed (kept) ${q.completed}`,
    `  retry set       ${q.retrySet} tickets parked (queued again on the next poll tick)`,
    `  poll            ${pollLine}`,
    `  HEAT budget     ${s.heatBudget.dailyCallBudget} calls a day per process; used today: ${s.heatBudget.note}`,
    `  recent errors   ${s.recentErrorsNote}`,
    `  replicas seen   ${q.workers.length} worker${q.workers.length === 1 ? '' : 's'} connected to the tickets queue`,
  ];
  for (const w of q.workers) {
    lines.push(`    ${w.addr || '?'}${w.ageSeconds !== null ? `, connected ${w.ageSeconds} s` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `sbt-router status [--json]`: mode, policy and model versions, the queue, the last poll and its lag,
 * and the workers connected, read from the config and Redis. Writes nothing; never calls HEAT.
 */
export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description(
      'print mode, policy/model versions, queue counts, last poll and the replicas seen (reads Redis)',
    )
    .option('--json', 'print the status as JSON')
    .option('--config <dir>', 'config folder')
    .action(async (opts: { json?: boolean; config?: string }) => {
      const config = loadConfigOrExplain(ctx, opts.config);
      if (!config) return;
      const url = requireRedisUrl(ctx, config);
      if (!url) return;
      const redis = connectForCommand(url);
      try {
        const status = await readServiceStatus(config, redis, clockOf(ctx)());
        ctx.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatServiceStatus(status));
      } catch (err) {
        ctx.stderr.write(
          `status failed: ${coerceError(err).message}. Fix: check that REDIS_URL points at the service's Redis\n`,
        );
        process.exitCode = 1;
      } finally {
        redis.disconnect();
      }
    });
}
