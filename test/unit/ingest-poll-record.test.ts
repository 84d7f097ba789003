import { describe, expect, it } from 'vitest';
import { HeatApiError, type ChangedSinceOptions, type HeatClient } from '../../src/heat/index.js';
import { pollChangedTickets, type WatermarkStore } from '../../src/ingest/index.js';
import type { EnqueueInput, ProcessedStore, TicketQueue } from '../../src/queue/index.js';
import { captureLogs } from '../support/capture-logs.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const ROW = {
  RecId: 'A'.repeat(32),
  LastModDateTime: '2026-11-20T08:59:00-06:00',
  LastModBy: 'mlopez',
  IncidentNumber: 7,
  Subject: 'Projector',
  OwnerTeam: 'Service Desk',
};

/** A poll over one page; HEAT refuses a $select naming `refused` (a field the tenant lacks). */
function harness(refused?: string) {
  const selects: Array<readonly string[]> = [];
  const enqueued: EnqueueInput[] = [];
  const heat = {
    async *changedSince(_watermark: string, options: ChangedSinceOptions) {
      selects.push(options.select ?? []);
      if (refused && options.select?.includes(refused)) {
        throw new HeatApiError({ status: 400, method: 'GET', path: 'incidents', messages: ['no field'] });
      }
      const wanted = new Set(['RecId', 'LastModDateTime', ...(options.select ?? [])]);
      yield [Object.fromEntries(Object.entries(ROW).filter(([k]) => wanted.has(k)))];
    },
  } as unknown as HeatClient;
  const queue = {
    async enqueueMany(inputs: readonly EnqueueInput[]) {
      enqueued.push(...inputs);
      return inputs.length;
    },
  } as unknown as TicketQueue;
  const processed: ProcessedStore = {
    mark: async () => undefined,
    getMany: async (ids) => ids.map(() => null),
  };
  let mark: string | null = '2026-11-20T14:00:00Z';
  const watermark: WatermarkStore = {
    get: async () => mark,
    advance: async (iso) => {
      mark = iso;
    },
    reset: async () => undefined,
  };
  const logs = captureLogs();
  const deps = { heat, queue, processed, watermark, logger: logs.logger, now: () => NOW };
  const settings = { incidentSet: 'incidents', pageSize: 100, overlapSeconds: 120, account: 'sbt-router' };
  return { deps, settings, selects, enqueued, logs };
}

describe('pollChangedTickets with the fields jobs carry', () => {
  it('selects them and queues each row as the job record, seen at the page read', async () => {
    const h = harness();
    const result = await pollChangedTickets(h.deps, {
      ...h.settings,
      recordFields: ['RecId', 'Subject', 'OwnerTeam'],
    });
    expect(h.selects).toEqual([['RecId', 'Subject', 'OwnerTeam']]);
    expect(result).toMatchObject({ enqueued: 1, carried: 1, recordSelectRefused: false });
    expect(h.enqueued).toEqual([
      {
        recId: ROW.RecId,
        source: 'poll',
        lastModDateTime: ROW.LastModDateTime,
        record: { RecId: ROW.RecId, Subject: 'Projector', OwnerTeam: 'Service Desk' },
        seenAt: NOW.toISOString(),
      },
    ]);
  });

  it('a $select HEAT refuses (400) falls back to ids only in the same tick, with a warning', async () => {
    const h = harness('SBT_Override');
    const result = await pollChangedTickets(h.deps, {
      ...h.settings,
      recordFields: ['RecId', 'SBT_Override'],
    });
    expect(h.selects).toEqual([
      ['RecId', 'SBT_Override'],
      ['IncidentNumber', 'LastModBy'],
    ]);
    expect(result).toMatchObject({ enqueued: 1, carried: 0, recordSelectRefused: true });
    expect(h.enqueued).toEqual([{ recId: ROW.RecId, source: 'poll', lastModDateTime: ROW.LastModDateTime }]);
    expect(h.logs.events()).toContain('poll_select_refused');
  });

  it('without recordFields the pages hold the echo check fields only (the worker reads each ticket)', async () => {
    const h = harness();
    const result = await pollChangedTickets(h.deps, h.settings);
    expect(h.selects).toEqual([['IncidentNumber', 'LastModBy']]);
    expect(result.carried).toBe(0);
    expect(h.enqueued[0]!.record).toBe(undefined);
  });
});
