import type { Writable } from 'node:stream';
import { createSimulator } from 'heat-simulator';
import { loadConfig } from '../../src/config/index.js';
import { CATEGORY_IDS, type HeatRecord } from '../../src/domain/index.js';
import { createService } from '../../src/service/index.js';
import { createLogger } from '../../src/observability/index.js';
import type { ProcessOutcome } from '../../src/service/index.js';
import { projectConfigDir, startThrowawayRedis } from '../devtools/index.js';
import { formatTable } from './format-table.js';

/** Where the demo prints and what environment it reads (process.stdout/stderr/env from index.ts). */
export interface DemoContext {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

export interface DemoOptions {
  seed: number;
  tickets: number;
  timeoutSeconds: number;
  logLevel: string;
}

/**
 * The main job on the built-in defaults, end to end on one machine: a throwaway Redis, the HEAT
 * simulator seeded with a district's tickets, and the real worker polling it; prints what it did.
 */
export async function runDemo(ctx: DemoContext, opts: DemoOptions): Promise<number> {
  const out = (line = '') => ctx.stdout.write(`${line}\n`);
  const started = Date.now();
  out('heat-sbt-router demo: throwaway Redis + HEAT simulator + worker, on the built-in defaults');
  const redis = await startThrowawayRedis();
  const sim = createSimulator({ seed: opts.seed, tickets: opts.tickets });
  const simUrl = await sim.listen(0, '127.0.0.1');
  out(`  Redis      ${redis.url} (throwaway, no persistence)`);
  out(
    `  HEAT       ${simUrl} (simulator, seed ${opts.seed}, ${sim.list('incidents').length} tickets, ${sim.list('organizationalunits').length} schools)`,
  );

  const base = loadConfig({
    env: {
      ...ctx.env,
      SBT_CONFIG_DIR: ctx.env.SBT_CONFIG_DIR || projectConfigDir(),
      HEAT_BASE_URL: simUrl,
      HEAT_API_KEY: sim.apiKey,
      REDIS_URL: redis.url,
    },
  });
  // The simulated district's technicians, as an admin would list them in routing.yaml.
  const technicianLogins = sim
    .list('employees')
    .filter((e) => e.Team === base.routing.teams.technicians)
    .map((e) => String(e.LoginID));
  const config = {
    ...base,
    routing: { ...base.routing, teams: { ...base.routing.teams, technicianLogins } },
    service: {
      ...base.service,
      poll: { ...base.service.poll, intervalSeconds: 1, startFrom: '2000-01-01T00:00:00Z' },
      counts: { ...base.service.counts, debounceSeconds: 1 },
    },
  };
  const logger = createLogger({ level: opts.logLevel, stream: ctx.stderr });
  const outcomes = new Map<string, ProcessOutcome>();
  const service = createService({
    config,
    logger,
    redisUrl: redis.url,
    onOutcome: (o) => outcomes.set(o.recId, o),
  });
  let exitCode = 0;
  try {
    await service.start();
    const total = sim.list('incidents').length;
    const deadline = Date.now() + opts.timeoutSeconds * 1000;
    const tagged = () => sim.list('incidents').filter((r) => r[config.routing.fields.decisionHash]).length;
    while (Date.now() < deadline && (tagged() < total || !(await service.waitForIdle(50)))) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const backlogSeconds = (Date.now() - started) / 1000;
    const callsAfterBacklog = sim.stats();
    out(`  Backlog    ${tagged()} of ${total} tickets tagged in HEAT after ${backlogSeconds.toFixed(1)} s`);
    if (tagged() < total) exitCode = 1;

    // The echo check: our own writes changed LastModDateTime, so every ticket comes back in this poll.
    const echo = await service.pollNow();
    await service.waitForIdle(10_000);
    const callsAfterEcho = sim.stats();
    const patchesInEcho = (callsAfterEcho.byMethod.PATCH ?? 0) - (callsAfterBacklog.byMethod.PATCH ?? 0);
    if (service.counts) await service.counts.flush({ force: true });

    printSchoolTable(out, sim.list('incidents'), config.routing.fields.category);
    printDecisions(out, outcomes, sim);
    printAccuracy(out, outcomes, sim.truth());
    const stats = sim.stats();
    out('');
    out("HEAT calls (from the simulator's call statistics)");
    for (const [route, n] of Object.entries(stats.byRoute ?? {}).sort()) out(`  ${route.padEnd(36)} ${n}`);
    out(`  ${'total'.padEnd(36)} ${stats.total}`);
    out(`  per ticket in the backlog run: ${(callsAfterBacklog.total / total).toFixed(2)}`);
    out(
      `  echo poll: ${echo.seen} changed tickets seen, ${echo.echoes} recognised as our own writes, ${echo.enqueued} re-queued, ${patchesInEcho} PATCH calls`,
    );
    const school = sim
      .list('organizationalunits')
      .find((s) => typeof s.SBT_InScopeCount === 'number' && s.SBT_CountPeriod);
    if (school) {
      out('');
      out(
        `Counts written back to HEAT, e.g. ${String(school.Name)} (${String(school.SBT_CountPeriod)}): in scope ${String(school.SBT_InScopeCount)}, out of scope ${String(school.SBT_OutOfScopeCount)}, restricted ${String(school.SBT_RestrictedCount)}, needs review ${String(school.SBT_ReviewCount)}, out-of-scope share ${String(school.SBT_OutOfScopeShare)}`,
      );
    }
    if (patchesInEcho > 0) exitCode = 1;
  } finally {
    await service.stop(5_000);
    await sim.close();
    await redis.stop();
  }
  out('');
  out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; Redis and the simulator are stopped.`);
  return exitCode;
}

function printSchoolTable(out: (l?: string) => void, incidents: HeatRecord[], categoryField: string): void {
  const bySchool = new Map<string, Map<string, number>>();
  for (const r of incidents) {
    const school = String(r.OrganizationUnitID ?? '(no school)');
    const cat = String(r[categoryField] ?? '(untagged)');
    const row = bySchool.get(school) ?? new Map<string, number>();
    row.set(cat, (row.get(cat) ?? 0) + 1);
    bySchool.set(school, row);
  }
  const short: Record<string, string> = {
    hardware: 'hw',
    software_access: 'sw',
    telephone: 'tel',
    website: 'web',
    office_development: 'office',
    application_support: 'app',
    gradebook_admin: 'grade',
    unclassified: 'review',
  };
  const rows = [...bySchool.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([school, cats]) => [
      school,
      ...CATEGORY_IDS.map((c) => String(cats.get(c) ?? 0)),
      String([...cats.values()].reduce((a, b) => a + b, 0)),
    ]);
  out('');
  out('Tickets per school and category, as HEAT now shows them (SBT_Category)');
  out(formatTable(['school', ...CATEGORY_IDS.map((c) => short[c] ?? c), 'total'], rows));
  out(
    '  hw=hardware sw=software_access (in scope); tel, web, office, app (out of scope); grade=gradebook_admin (restricted); review=unclassified',
  );
}

function printDecisions(
  out: (l?: string) => void,
  outcomes: Map<string, ProcessOutcome>,
  sim: { get(set: string, recId: string): HeatRecord | undefined },
): void {
  out('');
  out('A few decisions and their reasons');
  const shown = new Set<string>();
  for (const o of outcomes.values()) {
    if (
      shown.has(o.category) ||
      (!o.plan.moveTo && o.category !== 'hardware' && o.category !== 'software_access')
    )
      continue;
    shown.add(o.category);
    const record = sim.get('incidents', o.recId);
    const subject = String(record?.Subject ?? '').slice(0, 60);
    const why = o.decision.reasons
      .slice(0, 2)
      .map(
        (r) =>
          `${r.ruleId} [${r.matches
            .slice(0, 3)
            .map((m) => `${m.field}:"${m.value}"`)
            .join(', ')}]`,
      )
      .join('; ');
    const runner = o.decision.runnerUp
      ? `, runner-up ${o.decision.runnerUp.category} ${o.decision.runnerUp.score.toFixed(1)}`
      : '';
    out(`  #${o.incidentNumber} "${subject}"`);
    out(
      `     -> ${o.category} (${o.scope}, confidence ${o.confidence.toFixed(2)}, score ${o.decision.winner.score.toFixed(1)}${runner})`,
    );
    out(
      `        ${o.plan.moveTo ? `moved to ${o.plan.moveTo}` : 'stays with the technicians'}${o.noted ? ', internal note written' : ''}; because ${why || 'no rule reached the threshold'}`,
    );
    if (shown.size >= 6) break;
  }
}

function printAccuracy(
  out: (l?: string) => void,
  outcomes: Map<string, ProcessOutcome>,
  truth: Array<{ RecId: string; expect: string[] }>,
): void {
  let right = 0;
  let n = 0;
  let gradebookMissed = 0;
  for (const t of truth) {
    const o = outcomes.get(t.RecId);
    if (!o) continue;
    n += 1;
    if (t.expect.includes(o.category)) right += 1;
    else if (t.expect.includes('gradebook_admin')) gradebookMissed += 1;
  }
  out('');
  out(
    `Agreement with the simulator's intended categories: ${right}/${n} (${((100 * right) / Math.max(n, 1)).toFixed(1)}%); gradebook tickets missed: ${gradebookMissed}`,
  );
}
