import type { LoadedConfig } from '../config/index.js';
import { createHeatClient, heatClientConfigFrom, type HeatClient } from '../heat/index.js';
import type { Logger, Metrics } from '../observability/index.js';

/** The service's HEAT client: URL and credentials checked by heatClientConfigFrom, every call counted. */
export function buildHeatClient(config: LoadedConfig, logger: Logger, metrics: Metrics): HeatClient {
  return createHeatClient(heatClientConfigFrom(config.service, config.env), {
    logger: logger.child({ module: 'heat' }),
    onCall: (call) => {
      metrics.heatCalls.inc({ method: call.method, status: String(call.status) });
      metrics.heatCallSeconds.observe({ method: call.method }, call.ms / 1000);
    },
  });
}
