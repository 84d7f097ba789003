import { describe, expect, it } from 'vitest';
import { planActions, planContextFrom } from '../../../src/actions/index.js';
import { classifyTicket, compileLoadedPolicy } from '../../../src/classify/index.js';
import { loadConfig } from '../../../src/config/index.js';
import type { Ticket } from '../../../src/domain/index.js';
import { carriedRecordOf, MAX_CARRIED_RECORD_BYTES } from '../../../src/queue/index.js';
import { ticketFieldsNeeded } from '../../../src/service/index.js';
import { createSimulator } from 'heat-simulator';

const config = loadConfig({ dir: 'config', env: {} });
const policy = compileLoadedPolicy(config);
const NOW = new Date('2026-11-20T15:00:00Z');

/** What the worker decides and plans from a record (the plan's fields, move, note and reasons). */
function outcome(ticket: Ticket) {
  const decision = classifyTicket(ticket, policy);
  return { decision, plan: planActions(ticket, decision, planContextFrom(config, NOW)) };
}

describe('ticketFieldsNeeded: a record of these fields stands in for the whole ticket', () => {
  const fields = ticketFieldsNeeded(config, policy);

  it('names the planner, counts, concurrent-change and SBT_* fields, and the policy and model inputs', () => {
    for (const name of ['RecId', 'LastModDateTime', 'LastModBy', 'OwnerTeam', 'Owner', 'Status', 'Subject'])
      expect(fields).toContain(name);
    for (const name of Object.values(config.routing.fields)) expect(fields).toContain(name);
    expect(fields).toContain(config.service.counts.schoolField);
    for (const name of policy.model!.features.valueFields) expect(fields).toContain(name);
    expect(new Set(fields.map((f) => f.toLowerCase())).size).toBe(fields.length);
  });

  it('leaves out the SBT_* fields the tenant lacks (they are never selected)', () => {
    const without = ticketFieldsNeeded(
      config,
      policy,
      new Set([config.routing.fields.override.toUpperCase()]),
    );
    expect(without).not.toContain(config.routing.fields.override);
    expect(without).toHaveLength(fields.length - 1);
  });

  it('decides and plans 320 simulator tickets, fresh and already tagged, exactly as from the whole record', () => {
    const sim = createSimulator({ seed: 5, tickets: 320, now: () => NOW });
    let compared = 0;
    for (const full of sim.list('incidents') as Ticket[]) {
      const fresh = outcome(full);
      const carried = carriedRecordOf(full, fields);
      expect(carried, `ticket ${String(full.IncidentNumber)}`).not.toBe(null);
      expect(outcome({ ...carried!, RecId: full.RecId } as Ticket)).toEqual(fresh);
      // The same ticket after our write (tags, team), and after a person moved it on.
      const tagged = { ...full, ...fresh.plan.fields, LastModBy: config.service.heat.account } as Ticket;
      const moved = { ...tagged, OwnerTeam: 'Web Services', LastModBy: 'mlopez' } as Ticket;
      for (const later of [tagged, moved]) {
        const projected = { ...carriedRecordOf(later, fields)!, RecId: later.RecId } as Ticket;
        expect(outcome(projected)).toEqual(outcome(later));
      }
      compared += 3;
    }
    expect(compared).toBe(960);
  });
});

describe('carriedRecordOf', () => {
  it('keeps only the named fields (matched case-insensitively, named as asked)', () => {
    expect(
      carriedRecordOf({ RecId: 'A', ownerteam: 'X', Extra: 'no', Count: 3 }, ['RecId', 'OwnerTeam', 'Count']),
    ).toEqual({ RecId: 'A', OwnerTeam: 'X', Count: 3 });
  });

  it('is null when a field is missing, holds an object, or the record is too big to carry', () => {
    expect(carriedRecordOf({ RecId: 'A' }, ['RecId', 'Subject'])).toBe(null);
    expect(carriedRecordOf({ RecId: 'A', Subject: { nested: true } }, ['RecId', 'Subject'])).toBe(null);
    const big = 'x'.repeat(MAX_CARRIED_RECORD_BYTES);
    expect(carriedRecordOf({ RecId: 'A', Symptom: big }, ['RecId', 'Symptom'])).toBe(null);
    expect(carriedRecordOf({ RecId: 'A', Symptom: null }, ['RecId', 'Symptom'])).toEqual({
      RecId: 'A',
      Symptom: null,
    });
  });
});
