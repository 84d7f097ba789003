import { describe, expect, it } from 'vitest';
import { HeatApiError, probeChangeQuery, probeFailure, type HeatClient } from '../../../src/heat/index.js';
import type { HeatRecord } from '../../../src/domain/index.js';
import { captureLogs } from '../../support/capture-logs.js';

const NEWEST = '2026-11-20T10:00:00Z';

/** A HEAT whose newest change shares its second with `crowd` other tickets, paged by 100. */
function fakeHeat(crowd: number, failWith?: unknown): { heat: HeatClient; pagesRead: () => number } {
  let read = 0;
  const sameSecond: HeatRecord[] = Array.from({ length: crowd }, (_, i) => ({
    RecId: `R${i}`,
    LastModDateTime: NEWEST,
  }));
  const all = [...sameSecond, { RecId: 'NEWEST', LastModDateTime: NEWEST }];
  const heat = {
    async *pages() {
      if (failWith) throw failWith;
      yield [{ RecId: 'NEWEST', LastModDateTime: NEWEST }];
    },
    async *changedSince() {
      for (let i = 0; i < all.length; i += 100) {
        read++;
        yield all.slice(i, i + 100);
      }
    },
  } as unknown as HeatClient;
  return { heat, pagesRead: () => read };
}

/** The probe's logger; errors() are the lines it logged at level error (its alarms). */
function logs() {
  const { logger, entries } = captureLogs();
  return { logger, errors: () => entries.filter((l) => l.level === 'error') };
}

describe('the change-query probe', () => {
  it('reads past hundreds of tickets sharing the newest second: no false alarm', async () => {
    const { heat, pagesRead } = fakeHeat(350);
    const { logger, errors } = logs();
    await probeChangeQuery(heat, { incidentSet: 'incidents', filterDateFormat: 'timestamp' }, logger);
    expect(pagesRead()).toBe(4);
    expect(errors()).toEqual([]);
  });

  it('tells HEAT down, credentials refused and a query HEAT refuses apart', () => {
    const down = new HeatApiError({ status: 0, method: 'GET', path: '/x', networkCode: 'ECONNREFUSED' });
    const refused = new HeatApiError({ status: 401, method: 'GET', path: '/x', code: 'ISM_4001' });
    const query = new HeatApiError({ status: 400, method: 'GET', path: '/x', description: 'Invalid filter' });
    expect(probeFailure(down)[1].event).toBe('change_query_probe_unreachable');
    expect(probeFailure(new HeatApiError({ status: 503, method: 'GET', path: '/x' }))[1].event).toBe(
      'change_query_probe_unreachable',
    );
    expect(probeFailure(refused)[1]).toMatchObject({
      event: 'change_query_probe_unauthorized',
      fix: expect.stringMatching(/HEAT_API_KEY/) as unknown as string,
    });
    expect(probeFailure(query)[1]).toMatchObject({
      event: 'change_query_probe_failed',
      fix: expect.stringMatching(/filterDateFormat: date/) as unknown as string,
    });
  });

  it('logs the credentials problem, not the date-format fix, when HEAT answers 401', async () => {
    const { heat } = fakeHeat(0, new HeatApiError({ status: 401, method: 'GET', path: '/x' }));
    const { logger, errors } = logs();
    await probeChangeQuery(heat, { incidentSet: 'incidents', filterDateFormat: 'timestamp' }, logger);
    expect(errors().map((l) => l.event)).toEqual(['change_query_probe_unauthorized']);
  });
});
