import type { LoadedConfig } from '../../src/config/index.js';

export type ServiceOverrides = Partial<{
  [K in keyof LoadedConfig['service']]: Partial<LoadedConfig['service'][K]> | LoadedConfig['service'][K];
}>;

/**
 * The config with test settings merged into service.yaml's sections (one level deep): a unique queue
 * prefix, polling from the start of time, no count debounce, short retry backoff, then the test's own.
 */
export function withServiceOverrides(
  base: LoadedConfig,
  prefix: string,
  overrides: ServiceOverrides = {},
): LoadedConfig {
  const service: Record<string, unknown> = { ...base.service };
  const defaults: Record<string, unknown> = {
    queue: { prefix },
    poll: { startFrom: '2000-01-01T00:00:00Z' },
    counts: { debounceSeconds: 0 },
    // Retries in a test should not wait seconds (exponential backoff from this base).
    worker: { backoffMs: 20 },
  };
  for (const [key, value] of [...Object.entries(defaults), ...Object.entries(overrides)]) {
    const current = service[key];
    service[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? { ...(current as object), ...(value as object) }
        : value;
  }
  return { ...base, service: service as LoadedConfig['service'] };
}
