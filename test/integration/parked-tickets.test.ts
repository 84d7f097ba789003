import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { queueKeys } from '../../src/queue/index.js';
import {
  TICKET_TEXTS,
  createCapturingLogger,
  createTicket,
  schoolNames,
  startActionsPipeline,
  technicianLogins,
  type ActionsPipeline,
} from '../support/pipeline-fixture.js';

const redisUrl = inject('redisUrl');

let fx: ActionsPipeline | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function pollAndDrain(p: ActionsPipeline): Promise<void> {
  await p.service.pollNow();
  expect(await p.service.waitForIdle(30_000), 'queue did not drain').toBe(true);
}

/** Sets one routing.yaml key in the folder the service reloads from. */
function editRouting(p: ActionsPipeline, path: string[], value: unknown): void {
  const file = join(p.configDir, 'routing.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(path, value);
  writeFileSync(file, doc.toString());
}

/** The value of an unlabelled series in the service's /metrics text (null when absent). */
async function gauge(p: ActionsPipeline, name: string): Promise<number | null> {
  const line = (await p.service.metrics.render()).split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : null;
}

/** The parked hash as stored in Redis: RecId -> parsed entry. */
async function parkedInRedis(p: ActionsPipeline): Promise<Record<string, Record<string, unknown>>> {
  const raw = await p.service.redis.hgetall(queueKeys(p.prefix).parked);
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as Record<string, unknown>]),
  );
}

describe('no ticket dropped for good: parking what HEAT refused over our config', () => {
  it('unknown team: tags written, ticket parked (Redis, gauge, log); config fixed + reload: routed and unparked', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, {
      logger: capture.logger,
      keepConfigDir: true,
      routingEdits: [[['categories', 'telephone', 'destination'], 'Telecom Team']],
    });
    const { sim, service } = fx;
    const [school] = schoolNames(sim);
    const created = await createTicket(sim, { ...TICKET_TEXTS.telephone, OrganizationUnitID: school });
    const recId = String(created.RecId);
    const teamBefore = sim.get('incidents', recId)!.OwnerTeam;

    await pollAndDrain(fx);

    const tagged = sim.get('incidents', recId)!;
    expect(tagged.SBT_Category).toBe('telephone');
    expect(tagged.SBT_Scope).toBe('out_of_scope');
    expect(tagged.OwnerTeam).toBe(teamBefore);
    expect(sim.notesFor(recId)).toHaveLength(0);
    const parked = await parkedInRedis(fx);
    expect(Object.keys(parked)).toEqual([recId]);
    expect(parked[recId]).toMatchObject({ reason: 'unknown_destination', team: 'Telecom Team' });
    expect(String(parked[recId]!.at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(Object.keys(parked[recId]!).sort()).toEqual(['at', 'reason', 'team']);
    expect(await gauge(fx, 'sbt_parked_tickets')).toBe(1);
    const logged = capture.lines().filter((l) => l.event === 'ticket_parked');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ ticketId: recId, team: 'Telecom Team', reason: 'unknown_destination' });
    expect(await service.queue.queue.getFailed()).toHaveLength(0);

    editRouting(fx, ['categories', 'telephone', 'destination'], 'Telecommunications');
    const reloaded = await service.reloadChecked();
    expect(reloaded.ok).toBe(true);
    expect(service.runtime().config.routing.categories.telephone.destination).toBe('Telecommunications');
    expect(await service.waitForIdle(30_000), 'queue did not drain').toBe(true);

    const routed = sim.get('incidents', recId)!;
    expect(routed.OwnerTeam).toBe('Telecommunications');
    expect(routed.SBT_RoutedTo).toBe('Telecommunications');
    expect(sim.notesFor(recId)).toHaveLength(1);
    expect(await service.redis.hlen(queueKeys(fx.prefix).parked)).toBe(0);
    expect(await gauge(fx, 'sbt_parked_tickets')).toBe(0);
    expect(capture.lines().find((l) => l.event === 'parked_redriven')).toMatchObject({
      tickets: 1,
      why: 'config_reloaded',
    });
    expect(capture.lines().filter((l) => l.event === 'ticket_unparked')).toHaveLength(1);
  });

  it('the backfill re-drive: a ticket HEAT still refuses is refused again and stays parked', async () => {
    fx = await startActionsPipeline(redisUrl, {
      keepConfigDir: true,
      routingEdits: [[['categories', 'telephone', 'destination'], 'Telecom Team']],
    });
    const { sim, service } = fx;
    const [school] = schoolNames(sim);
    const created = await createTicket(sim, { ...TICKET_TEXTS.telephone, OrganizationUnitID: school });
    const recId = String(created.RecId);
    await pollAndDrain(fx);
    expect(Object.keys(await parkedInRedis(fx))).toEqual([recId]);

    // The backfill's re-drive: through the normal queue, HEAT still refuses, so it is parked again.
    expect(await service.redriveParked()).toEqual([recId]);
    expect(await service.waitForIdle(30_000), 'queue did not drain').toBe(true);
    expect(Object.keys(await parkedInRedis(fx))).toEqual([recId]);
    expect(sim.get('incidents', recId)!.SBT_Category).toBe('telephone');
    expect(await gauge(fx, 'sbt_parked_tickets')).toBe(1);
  });

  it('gradebook work HEAT cannot move away from a technician: the job still fails loudly, and the ticket is parked', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, {
      logger: capture.logger,
      routingEdits: [[['categories', 'gradebook_admin', 'destination'], 'Grades Team']],
    });
    const { sim, service } = fx;
    const [school] = schoolNames(sim);
    const created = await createTicket(sim, { ...TICKET_TEXTS.gradebook_admin, OrganizationUnitID: school });
    const recId = String(created.RecId);
    const [tech] = technicianLogins(sim);
    sim.actAsPerson(recId, tech!, { OwnerTeam: 'School Technicians', Owner: tech });

    await pollAndDrain(fx);

    const t = sim.get('incidents', recId)!;
    expect(t.OwnerTeam).toBe('School Technicians');
    expect(t.SBT_Restricted).toBe(true);
    const failed = await service.queue.queue.getFailed();
    expect(failed.map((j) => (j.data as { recId: string }).recId)).toEqual([recId]);
    expect(failed[0]!.failedReason).toContain('Grades Team');
    expect(capture.lines().find((l) => l.event === 'restricted_move_refused')).toMatchObject({
      ticketId: recId,
      reason: 'unknown_destination',
    });
    expect(await parkedInRedis(fx)).toMatchObject({
      [recId]: { reason: 'unknown_destination', team: 'Grades Team' },
    });
  });
});

describe('a reload checks the destination teams with HEAT', () => {
  it('refuses a team HEAT does not have while HEAT is up: the running config stays', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, { logger: capture.logger, keepConfigDir: true });
    const { service } = fx;
    const before = service.runtime().config.policyVersion;

    editRouting(fx, ['categories', 'telephone', 'destination'], 'Telecom Team');
    const result = await service.reloadChecked();

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(
      'categories.telephone.destination: team "Telecom Team" does not exist in HEAT (standarduserteams)',
    );
    expect(service.runtime().config.policyVersion).toBe(before);
    expect(service.runtime().config.routing.categories.telephone.destination).toBe('Telecommunications');
    const rejected = capture.lines().find((l) => l.event === 'config_reload_rejected');
    expect(JSON.stringify(rejected?.problems)).toContain('team \\"Telecom Team\\" does not exist in HEAT');
  });

  it('goes through with a warning when HEAT cannot answer', async () => {
    const capture = createCapturingLogger();
    fx = await startActionsPipeline(redisUrl, {
      logger: capture.logger,
      keepConfigDir: true,
      service: { heat: { retries: { max: 0, baseDelayMs: 1, maxDelayMs: 1 } } },
    });
    const { sim, service } = fx;
    const before = service.runtime().config.policyVersion;

    editRouting(fx, ['categories', 'telephone', 'destination'], 'Telecom Team');
    sim.setFaults({ errorRate: 1 });
    const result = await service.reloadChecked();
    sim.setFaults({ errorRate: 0 });

    expect(result.ok).toBe(true);
    expect(service.runtime().config.policyVersion).not.toBe(before);
    expect(service.runtime().config.routing.categories.telephone.destination).toBe('Telecom Team');
    expect(capture.lines().filter((l) => l.event === 'config_teams_not_checked')).toHaveLength(1);
  });
});
