import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { createSimulator } from 'heat-simulator';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { periodOf, previousPeriod, readSchoolCounts, sortForReport } from '../../src/counts/index.js';
import { CATEGORY_IDS, CATEGORY_SCOPES, type HeatRecord } from '../../src/domain/index.js';
import { createRedisConnection } from '../../src/queue/index.js';
import {
  findSchool,
  htmlReportInput,
  readReportHistory,
  renderDistrictReport,
  renderSchoolReport,
  reportHistoryPeriods,
} from '../../src/report/index.js';
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
  /** Where the HTML reports are written (relative to the working directory). */
  reportDir: string;
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
  // Count what the table below shows: the schools the tickets name, not every unit (departments too).
  const schoolsNamed = new Set(
    sim.list('incidents').map((r) => String(r.OrganizationUnitID ?? '(no school)')),
  );
  const units = sim.list('organizationalunits').length;
  out(
    `  HEAT       ${simUrl} (simulator, seed ${opts.seed}, ${sim.list('incidents').length} tickets from ${schoolsNamed.size} schools; ${units} organizational units in all)`,
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

    printSchoolTable(out, sim.list('incidents'), config);
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
    out('');
    const written = await writeHtmlReports(config, redis.url, opts.reportDir);
    out(
      `HTML report for ${written.period} (the last full month; the months before it too): ${written.district}`,
    );
    if (written.school)
      out(`HTML report for one school's principal (${written.school.name}): ${written.school.file}`);
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

function printSchoolTable(out: (l?: string) => void, incidents: HeatRecord[], config: LoadedConfig): void {
  const categoryField = config.routing.fields.category;
  const bySchool = new Map<string, Map<string, number>>();
  for (const r of incidents) {
    const school = String(r.OrganizationUnitID ?? '(no school)');
    const cat = String(r[categoryField] ?? '(untagged)');
    const row = bySchool.get(school) ?? new Map<string, number>();
    row.set(cat, (row.get(cat) ?? 0) + 1);
    bySchool.set(school, row);
  }
  const rows = [...bySchool.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([school, cats]) => [
      school,
      ...CATEGORY_IDS.map((c) => String(cats.get(c) ?? 0)),
      String([...cats.values()].reduce((a, b) => a + b, 0)),
    ]);
  out('');
  out(`Tickets per school and category, as HEAT now shows them (${categoryField}): ${rows.length} schools`);
  out(
    formatTable(
      ['School', ...CATEGORY_IDS.map((c) => config.routing.categories[c].displayName), 'Total'],
      rows,
    ),
  );
  const scopes = (scope: string) =>
    CATEGORY_IDS.filter((c) => CATEGORY_SCOPES[c] === scope)
      .map((c) => config.routing.categories[c].displayName)
      .join(', ');
  out(
    `  in scope: ${scopes('in_scope')}; out of scope: ${scopes('out_of_scope')}; restricted: ${scopes('restricted')}; needs review: ${scopes('needs_review')}`,
  );
}

/**
 * The HTML reports as `sbt-router report --format html` writes them, from the counts in the demo's
 * Redis: the district page for the last full period, and the page of the school with the most
 * out-of-scope work for its principal (`--school`).
 */
async function writeHtmlReports(
  config: LoadedConfig,
  redisUrl: string,
  dir: string,
): Promise<{ period: string; district: string; school: { name: string; file: string } | null }> {
  const redis = createRedisConnection(redisUrl, 'command');
  try {
    const now = new Date();
    const counts = config.service.counts;
    // The last full period: the simulator's tickets span the 90 days before now, so the current one
    // may hold a few hours of them (sbt-router report defaults to the current period).
    const period = previousPeriod(periodOf(now.toISOString(), counts), counts);
    const history = await readReportHistory(reportHistoryPeriods(period, counts, now), (p) =>
      readSchoolCounts(redis, config.service.queue.prefix, p),
    );
    const input = htmlReportInput(config, period, history, now);
    const folder = resolve(dir);
    mkdirSync(folder, { recursive: true });
    const district = join(folder, 'report.html');
    writeFileSync(district, renderDistrictReport(input));
    const rows = history[history.length - 1]?.rows ?? [];
    const top = sortForReport(rows).find((r) => r.hasSchool);
    const school = top ? findSchool(rows, top.school) : null;
    if (!school) return { period, district, school: null };
    const file = join(folder, 'report-school.html');
    writeFileSync(file, renderSchoolReport(input, school));
    return { period, district, school: { name: school.school, file } };
  } finally {
    redis.disconnect();
  }
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
