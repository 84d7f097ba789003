import { describe, expect, it } from 'vitest';
import { compileLoadedPolicy } from '../../../src/classify/index.js';
import { loadConfig } from '../../../src/config/index.js';
import {
  countRowOf,
  isFinalState,
  routeOf,
  withPageRecords,
} from '../../../src/cli/commands/backfill-history.js';
import type { HeatClient } from '../../../src/heat/index.js';

const config = loadConfig({
  env: { SBT_CONFIG_DIR: 'config', HEAT_BASE_URL: 'http://127.0.0.1:9', HEAT_API_KEY: 'k' },
});
const policy = compileLoadedPolicy(config);
const RECID = 'A'.repeat(32);

describe('backfill history routing', () => {
  it('treats Resolved and Closed (any case, padded) as final, nothing else', () => {
    expect(isFinalState({ Status: 'Resolved' })).toBe(true);
    expect(isFinalState({ Status: ' closed ' })).toBe(true);
    expect(isFinalState({ Status: 'Active' })).toBe(false);
    expect(isFinalState({ Status: null })).toBe(false);
    expect(isFinalState({})).toBe(false);
  });

  it('routes final tickets to counting (or tagging with --tag-history), open ones to the queue', () => {
    const closed = { Status: 'Closed' };
    const open = { Status: 'Active' };
    expect([routeOf(closed, 'default'), routeOf(open, 'default')]).toEqual(['count', 'queue']);
    expect([routeOf(closed, 'tag-history'), routeOf(open, 'tag-history')]).toEqual(['tag', 'queue']);
    expect([routeOf(closed, 'counts-only'), routeOf(open, 'counts-only')]).toEqual(['count', 'count']);
  });

  it('counts a tagged ticket under its tags, an untagged one under the policy decision', () => {
    const record = {
      RecId: RECID,
      IncidentNumber: 10001,
      Status: 'Closed',
      Subject: 'The voicemail light on my desk phone will not turn off',
      Symptom: 'My desk phone shows a message waiting but there is none.',
      OrganizationUnitID: 'Lincoln Elementary',
      CreatedDateTime: '2026-11-10T15:00:00Z',
    };
    expect(countRowOf(record, config, policy)).toEqual({
      recId: RECID,
      incidentNumber: 10001,
      createdDateTime: '2026-11-10T15:00:00Z',
      school: 'Lincoln Elementary',
      category: 'telephone',
      scope: 'out_of_scope',
    });
    const tagged = { ...record, SBT_Category: 'hardware', SBT_Scope: 'in_scope' };
    expect(countRowOf(tagged, config, policy)).toMatchObject({ category: 'hardware', scope: 'in_scope' });
    // Tags that are not policy ids do not count: the policy decides.
    const broken = { ...record, SBT_Category: 'phones', SBT_Scope: 'in_scope' };
    expect(countRowOf(broken, config, policy)).toMatchObject({
      category: 'telephone',
      scope: 'out_of_scope',
    });
  });

  it('hands the page record to the handler once instead of a read, then reads HEAT', async () => {
    const reads: string[] = [];
    const heat = {
      getByRecId: async (_set: string, recId: string) => {
        reads.push(recId);
        return { RecId: recId, from: 'heat' };
      },
    } as unknown as HeatClient;
    const pages = new Map([[RECID, { RecId: RECID, from: 'page' }]]);
    const client = withPageRecords(heat, pages);
    expect(await client.getByRecId('incidents', RECID)).toEqual({ RecId: RECID, from: 'page' });
    expect(await client.getByRecId('incidents', RECID)).toEqual({ RecId: RECID, from: 'heat' });
    expect(reads).toEqual([RECID]);
  });
});
