import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/index.js';
import {
  createHeatClient,
  heatClientConfigFrom,
  type HeatClient,
  type HeatClientDeps,
} from '../heat/index.js';
import { createThrottledErrorLog, type Logger, type Metrics } from '../observability/index.js';
import { createRedisConnection } from '../queue/index.js';

/**
 * The service's (and the CLI's) HEAT client: URL and credentials checked by heatClientConfigFrom, every
 * call counted in the metrics and in the shared daily budget in Redis (heat.dailyCallBudget, one count
 * for all replicas and commands on the same Redis and queue prefix). `redis` is a fail-fast connection
 * to share; without it one is opened from REDIS_URL (closed with the client); without REDIS_URL the
 * client counts for itself only.
 */
export function buildHeatClient(
  config: LoadedConfig,
  logger: Logger,
  metrics?: Metrics,
  redis?: Redis,
  deps: Pick<HeatClientDeps, 'now' | 'sleep'> = {},
): HeatClient {
  const url = config.env.REDIS_URL;
  const own = !redis && url ? createRedisConnection(url, 'producer') : undefined;
  if (own) own.on('error', createThrottledErrorLog(logger)('redis-heat-budget'));
  const connection = redis ?? own;
  return createHeatClient(heatClientConfigFrom(config.service, config.env), {
    logger: logger.child({ module: 'heat' }),
    ...deps,
    ...(connection
      ? {
          budgetStore: {
            redis: connection,
            prefix: config.service.queue.prefix,
            closeWithClient: connection === own,
          },
        }
      : {}),
    ...(metrics
      ? {
          onCall: (call) => {
            metrics.heatCalls.inc({ method: call.method, status: String(call.status) });
            metrics.heatCallSeconds.observe({ method: call.method }, call.ms / 1000);
          },
        }
      : {}),
  });
}
