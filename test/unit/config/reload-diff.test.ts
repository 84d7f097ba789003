import { describe, expect, it } from 'vitest';
import { loadConfig, reloadDiff, type LoadedConfig } from '../../../src/config/index.js';

const startup = loadConfig({ dir: 'config', env: {} });

/** The start-up config with some sections replaced, as a re-read file would give. */
function edited(change: (c: LoadedConfig) => LoadedConfig): LoadedConfig {
  return change(structuredClone(startup));
}

describe('reloadDiff', () => {
  it('needs no restart when nothing changed, and runs the new file as read', () => {
    const next = edited((c) => c);
    const { frozen, needRestart } = reloadDiff(startup, next);
    expect(needRestart).toEqual([]);
    expect(frozen).toEqual(next);
  });

  it('applies the mode, school allow list, kill switch and policy at once', () => {
    const next = edited((c) => ({
      ...c,
      policyVersion: 'tuned',
      service: { ...c.service, mode: 'shadow', schools: { allow: ['LINCOLN-ES'], killSwitch: true } },
    }));
    const { frozen, needRestart } = reloadDiff(startup, next);
    expect(needRestart).toEqual([]);
    expect(frozen.policyVersion).toBe('tuned');
    expect(frozen.service.mode).toBe('shadow');
    expect(frozen.service.schools).toEqual({ allow: ['LINCOLN-ES'], killSwitch: true });
  });

  it('keeps the start-up worker, poll and HEAT settings and names them as waiting for a restart', () => {
    const next = edited((c) => ({
      ...c,
      service: {
        ...c.service,
        worker: { ...c.service.worker, concurrency: c.service.worker.concurrency + 3 },
        poll: { ...c.service.poll, intervalSeconds: c.service.poll.intervalSeconds + 60 },
        heat: { ...c.service.heat, pageSize: c.service.heat.pageSize + 1 },
      },
    }));
    const { frozen, needRestart } = reloadDiff(startup, next);
    expect(needRestart).toEqual(['heat', 'poll', 'worker']);
    expect(frozen.service.worker.concurrency).toBe(startup.service.worker.concurrency);
    expect(frozen.service.poll.intervalSeconds).toBe(startup.service.poll.intervalSeconds);
    expect(frozen.service.heat.pageSize).toBe(startup.service.heat.pageSize);
  });

  it('keeps the start-up HEAT field names', () => {
    const next = edited((c) => ({
      ...c,
      routing: { ...c.routing, fields: { ...c.routing.fields, category: 'SBT_Other' } },
    }));
    const { frozen, needRestart } = reloadDiff(startup, next);
    expect(needRestart).toEqual(['routing.fields']);
    expect(frozen.routing.fields).toEqual(startup.routing.fields);
  });
});
