import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../../config/index.js';
import { coerceError } from '../../domain/index.js';
import { readSharedBudget, type BudgetState } from '../../heat/index.js';
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
  /** Today's HEAT calls of every replica and command on this Redis and prefix (UTC day). */
  heatBudget: BudgetState;
}

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
    heatBudget: await readSharedBudget(redis, prefix, service.heat.dailyCallBudget, now),
  };
}

/** "12,345 of 50,000 calls today (24.7%, UTC day 2026-11-03), normal; ..." */
export function budgetLine(b: BudgetState): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const level =
    b.level === 'paused'
      ? `used up: backfill paused until ${b.resetsAt}, live tickets go on`
      : b.level === 'slow'
        ? 'over the 80% high-water mark: backfill slowed'
        : 'normal';
  const backoff = b.backoffUntil ? `; HEAT throttled us: every call waits until ${b.backoffUntil}` : '';
  return `${n(b.used)} of ${n(b.budget)} calls used today by all replicas and commands (${Math.round(b.ratio * 1000) / 10}%, UTC day ${b.day}), ${level}${backoff}`;
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
    `  HEAT budget     ${budgetLine(s.heatBudget)}`,
    `  parked          ${q.parked} ticket${q.parked === 1 ? '' : 's'} HEAT refused because of our config (re-driven on reload and by backfill)`,
    `  recent errors   ${q.recentFailures.length === 0 ? 'none (no failed job kept)' : `the ${q.recentFailures.length} newest of ${q.failed} failed jobs:`}`,
    ...q.recentFailures.map(
      (f) =>
        `    ${f.at ?? '?'}  ticket ${f.recId}  after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.reason}`,
    ),
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
