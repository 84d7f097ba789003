import type { LoadedConfig } from './load-config.js';

/**
 * Sections of service.yaml fixed when the process starts: connections, intervals, concurrency and
 * queue names are built once, so a reload leaves them as they were until a restart.
 */
export const RESTART_SECTIONS = ['heat', 'poll', 'worker', 'queue', 'counts', 'http'] as const;

export interface ReloadDiff {
  /** The config to run with: the new file's policy, mode, schools and switches; the start-up sections. */
  frozen: LoadedConfig;
  /** Changed settings that wait for a restart (`service.yaml` sections, and `routing.fields`). */
  needRestart: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a reload may change. The policy, mode, school allow list and kill switch apply to the next job;
 * the restart sections and HEAT field names keep their start-up values, so that every module keeps
 * reading one consistent set. Pure: reading the files is the caller's job.
 */
export function reloadDiff(startup: LoadedConfig, next: LoadedConfig): ReloadDiff {
  const needRestart: string[] = RESTART_SECTIONS.filter(
    (key) => !same(next.service[key], startup.service[key]),
  );
  if (!same(next.routing.fields, startup.routing.fields)) needRestart.push('routing.fields');
  const frozen: LoadedConfig = {
    ...next,
    service: {
      ...next.service,
      ...Object.fromEntries(RESTART_SECTIONS.map((key) => [key, startup.service[key]])),
    },
    routing: { ...next.routing, fields: startup.routing.fields },
  };
  return { frozen, needRestart };
}
