import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseDocument } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import type { CategoryId, HeatRecord } from '../../src/domain/index.js';
import { createHeatClient, heatClientConfigFrom, type HeatClient } from '../../src/heat/index.js';
import { createLogger, type Logger } from '../../src/observability/index.js';
import { createService, type Service, type ServiceOptions } from '../../src/service/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from 'heat-simulator';
import { withServiceOverrides, type ServiceOverrides } from './with-service-overrides.js';
import { captureLogs } from './capture-logs.js';

/*
 * The pipeline fixture of the integration tests: the HEAT simulator over HTTP plus the real service on
 * the test run's Redis (poll scheduler off), and the small helpers those tests share.
 */

export interface PipelineFixture {
  sim: Simulator;
  service: Service;
  config: LoadedConfig;
  prefix: string;
  /** The config folder the service was loaded from ('config', or the temp copy with keepConfigDir). */
  configDir: string;
  /** Closes the service; the simulator too, unless it was passed in. */
  close(): Promise<void>;
}

/** The same fixture as started by startActionsPipeline (kept as a name for the actions tests). */
export type ActionsPipeline = PipelineFixture;

export interface PipelineOptions {
  /** An already running simulator (kept open on close), or options for a new one. */
  sim?: Simulator | SimulatorOptions;
  /** routing.yaml edits as [key path, value], applied to a copy of config/routing.yaml in a temp dir. */
  routingEdits?: Array<[path: Array<string | number>, value: unknown]>;
  service?: ServiceOverrides;
  /** Extra createService options (applied last). */
  serviceOptions?: Partial<ServiceOptions>;
  /** Extra environment for loadConfig (HEAT_BASE_URL, HEAT_API_KEY and REDIS_URL are set already). */
  env?: NodeJS.ProcessEnv;
  /** Wraps the real HEAT client (to inject a crash between two HEAT calls). */
  wrapHeat?: (heat: HeatClient) => HeatClient;
  /** The service's logger; silent when absent. */
  logger?: Logger;
  /** Reuse a queue prefix (a restarted service on the same queue). */
  prefix?: string;
  /**
   * Keep the edited config folder until close and reload from it (PipelineFixture.configDir), so that
   * a test can edit routing.yaml and call service.reloadChecked().
   */
  keepConfigDir?: boolean;
}

export type ActionsPipelineOptions = PipelineOptions;

/**
 * Ticket text that the shipped routing.yaml classifies as each category. The tests assert the category
 * before relying on it, so a policy edit that changes one of these fails with a clear precondition
 * message rather than a confusing routing failure.
 */
export const TICKET_TEXTS: Readonly<
  Record<CategoryId, { Subject: string; Symptom: string; Category: string }>
> = {
  hardware: {
    Subject: 'Projector in room 12',
    Symptom: 'The projector in room 12 will not turn on, there is no power light at all.',
    Category: 'Projector',
  },
  software_access: {
    Subject: 'Locked out',
    Symptom: 'I am locked out of my account and cannot log in to Outlook since this morning.',
    Category: 'Password Reset',
  },
  telephone: {
    Subject: 'Voicemail',
    Symptom: 'My voicemail box is full and the desk phone extension 2201 shows no messages light.',
    Category: 'Telephone',
  },
  website: {
    Subject: 'School website calendar',
    Symptom: 'Please update the school website calendar page with the new spring concert date.',
    Category: 'Website',
  },
  office_development: {
    Subject: 'Book fair spreadsheet',
    Symptom: 'Can you create a spreadsheet with formulas to track our book fair sales by class?',
    Category: 'Other',
  },
  application_support: {
    Subject: 'Attendance report',
    Symptom:
      'How do I run the attendance report in the student information system for last month? The report options confuse me.',
    Category: 'Student Information System',
  },
  gradebook_admin: {
    Subject: 'Grade change',
    Symptom:
      'Please change the final grade for a student in my 3rd period class, the grade was entered wrong.',
    Category: 'Gradebook',
  },
  unclassified: {
    Subject: 'Question',
    Symptom: 'Please call me back when you have a moment, thank you.',
    Category: 'Other',
  },
};

/** Creates a ticket as the self-service portal would, over the simulator's HTTP control API. */
export async function createTicket(sim: Simulator, fields: Record<string, unknown>): Promise<HeatRecord> {
  const res = await fetch(`${sim.url}/_sim/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  if (res.status !== 201) throw new Error(`POST /_sim/tickets answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as HeatRecord;
}

/** Logins of the seeded School Technicians (HEAT lets only team members own a team's ticket). */
export function technicianLogins(sim: Simulator): string[] {
  return sim
    .list('employees')
    .filter((e) => e.Team === 'School Technicians')
    .map((e) => String(e.LoginID));
}

/** Names of the seeded schools (OrganizationUnitID values). */
export function schoolNames(sim: Simulator): string[] {
  return sim
    .list('organizationalunits')
    .filter((o) => o.OrgUnitType === 'School')
    .map((o) => String(o.Name));
}

/** Difference of one simulator route counter between two stats() snapshots. */
export function routeDelta(
  before: { byRoute: Record<string, number> },
  after: { byRoute: Record<string, number> },
  route: string,
): number {
  return (after.byRoute[route] ?? 0) - (before.byRoute[route] ?? 0);
}

/** A JSON logger whose lines the test can read (to check events and that no ticket text is logged). */
export function createCapturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const { logger, lines } = captureLogs();
  return { logger, lines };
}

function isSimulator(value: Simulator | SimulatorOptions | undefined): value is Simulator {
  return typeof value === 'object' && typeof (value as Simulator).listen === 'function';
}

/** config/ as shipped, or a temp copy with routing.yaml edited; loadConfig validates either. */
function configDirWith(
  edits: PipelineOptions['routingEdits'],
  copy = false,
): { dir: string; cleanup: () => void } {
  if (!copy && (!edits || edits.length === 0)) return { dir: 'config', cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'sbt-actions-config-'));
  const doc = parseDocument(readFileSync('config/routing.yaml', 'utf8'));
  for (const [path, value] of edits ?? []) doc.setIn(path, value);
  writeFileSync(join(dir, 'routing.yaml'), doc.toString());
  copyFileSync('config/model.json', join(dir, 'model.json'));
  writeFileSync(join(dir, 'service.yaml'), readFileSync('config/service.yaml', 'utf8'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What startPipeline and startActionsPipeline differ in. */
interface LaunchDefaults {
  sim: SimulatorOptions;
  /** Hand the service the environment config was loaded with (for reloads), not process.env. */
  serviceEnv: boolean;
}

async function launch(
  redisUrl: string,
  defaults: LaunchDefaults,
  options: PipelineOptions,
): Promise<PipelineFixture> {
  const ownSim = !isSimulator(options.sim);
  const sim = isSimulator(options.sim) ? options.sim : createSimulator({ ...defaults.sim, ...options.sim });
  const url = ownSim ? await sim.listen(0, '127.0.0.1') : sim.url;
  const prefix = options.prefix ?? `{t${randomBytes(4).toString('hex')}}`;
  const { dir, cleanup } = configDirWith(options.routingEdits, options.keepConfigDir);
  const env = { HEAT_BASE_URL: url, HEAT_API_KEY: sim.apiKey, REDIS_URL: redisUrl, ...options.env };
  let base: LoadedConfig;
  try {
    base = loadConfig({ dir, env });
  } finally {
    if (!options.keepConfigDir) cleanup();
  }
  const config = withServiceOverrides(base, prefix, options.service);
  const logger = options.logger ?? createLogger({ silent: true });
  const serviceOptions: ServiceOptions = { config, logger, redisUrl, poll: false };
  if (defaults.serviceEnv) serviceOptions.env = env;
  if (options.wrapHeat) {
    const real = createHeatClient(heatClientConfigFrom(config.service, config.env), {
      logger: logger.child({ module: 'heat' }),
    });
    serviceOptions.heat = options.wrapHeat(real);
  }
  const svc = createService({ ...serviceOptions, ...options.serviceOptions });
  await svc.start();
  return {
    sim,
    service: svc,
    config,
    prefix,
    configDir: dir,
    async close() {
      await svc.stop(5_000);
      if (ownSim) await sim.close();
      if (options.keepConfigDir) cleanup();
    },
  };
}

/** A simulator on a free port (300 seeded tickets) plus the real service wired to it and to Redis. */
export async function startPipeline(
  redisUrl: string,
  options: PipelineOptions = {},
): Promise<PipelineFixture> {
  return launch(redisUrl, { sim: { seed: 11, tickets: 300 }, serviceEnv: false }, options);
}

/**
 * startPipeline for the actions tests: an empty simulator (the test creates its tickets) with
 * millisecond timestamps and without tenant required-field rules, plus the options they use (a
 * routing.yaml variant, an existing simulator, a wrapped HEAT client, a logger).
 */
export async function startActionsPipeline(
  redisUrl: string,
  options: PipelineOptions = {},
): Promise<PipelineFixture> {
  return launch(
    redisUrl,
    {
      sim: {
        seed: 21,
        tickets: 0,
        // Person edits and our writes within one second must stay ordered (poll watermark, echo check).
        timestampPrecision: 'millisecond',
        // Required-field rules are tenant configuration (docs/simulator.md); these tests put tickets in
        // final states as a person would, without the resolution fields a tenant may demand.
        enforceRequiredFields: false,
      },
      serviceEnv: true,
    },
    options,
  );
}
