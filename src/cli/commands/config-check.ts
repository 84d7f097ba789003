import { join } from 'node:path';
import type { Command } from 'commander';
import { ACCOUNT_FIX, findMissingFields, isAccountMismatch, readNoteAuthors } from '../../actions/index.js';
import { checkPolicyCompiles, compilePolicy } from '../../classify/index.js';
import {
  ConfigError,
  destinationTeams,
  loadConfig,
  locateProblems,
  problemLocation,
  readYamlSource,
  type ConfigProblem,
  unknownDestinationTeams,
  type LoadedConfig,
} from '../../config/index.js';
import { categoryFieldName } from '../../counts/index.js';
import { CATEGORY_IDS, coerceError } from '../../domain/index.js';
import { createHeatClient, heatClientConfigFrom, listTeamNames, type HeatClient } from '../../heat/index.js';
import { createSilentLogger } from '../../observability/index.js';
import type { CliContext } from '../cli-context.js';

/** What only HEAT can tell, so what `config check` cannot check without --live and HEAT settings. */
export const LIVE_CHECKS = [
  'that the destination teams exist (standarduserteams)',
  'that the custom fields exist on incidents and on the school records (organizationalunits)',
  'that the API key acts as heat.account',
] as const;

/** [service.yaml key, field] of each school-record field that receives counts. */
export function countFields(cfg: LoadedConfig): [string, string][] {
  const f = cfg.service.counts.fields;
  const fields: [string, string][] = [
    ['counts.fields.inScope', f.inScope],
    ['counts.fields.outOfScope', f.outOfScope],
    ['counts.fields.restricted', f.restricted],
    ['counts.fields.needsReview', f.needsReview],
  ];
  for (const id of CATEGORY_IDS)
    fields.push([
      f.categories[id] ? `counts.fields.categories.${id}` : 'counts.fields.categoryPrefix',
      categoryFieldName(f, id),
    ]);
  fields.push(['counts.fields.outOfScopeShare', f.outOfScopeShare]);
  fields.push(['counts.fields.period', f.period]);
  fields.push(['counts.fields.updated', f.updated]);
  return fields;
}

function printProblems(ctx: CliContext, problems: readonly ConfigProblem[]): void {
  for (const p of problems) ctx.stdout.write(`${problemLocation(p)}: ${p.problem}\n  fix: ${p.fix}\n`);
}

/** Adds line numbers to problems found live (they name keys of routing.yaml and service.yaml). */
function located(cfg: LoadedConfig, problems: ConfigProblem[]): ConfigProblem[] {
  let out = problems;
  for (const name of ['routing.yaml', 'service.yaml']) {
    try {
      out = locateProblems(readYamlSource(join(cfg.dir, name)), out);
    } catch {
      // service.yaml may be absent (all defaults): its keys then have no line.
    }
  }
  return out;
}

interface LiveResult {
  problems: ConfigProblem[];
  notes: string[];
}

async function checkTeams(client: HeatClient, cfg: LoadedConfig, out: LiveResult): Promise<void> {
  const problems = unknownDestinationTeams(cfg, await listTeamNames(client));
  out.problems.push(...problems);
  if (problems.length === 0) out.notes.push(`HEAT knows all ${destinationTeams(cfg).size} destination teams`);
}

async function checkFields(
  client: HeatClient,
  set: string,
  wanted: ReadonlyArray<readonly [key: string, field: string]>,
  file: string,
  out: LiveResult,
): Promise<void> {
  const names = [...new Set(wanted.map(([, field]) => field))];
  const missing = await findMissingFields(client, names, set);
  if (missing === null) {
    out.notes.push(
      `not checked: the custom fields on ${set} (HEAT returned no ${set} record to compare with)`,
    );
    return;
  }
  const absent = new Set(missing.map((m) => m.toLowerCase()));
  for (const [key, field] of wanted) {
    if (!absent.has(field.toLowerCase())) continue;
    out.problems.push({
      file,
      key,
      problem: `custom field "${field}" does not exist on ${set}`,
      fix: `add the field ${field} to that business object in HEAT (type and length: docs/heat-setup.md), or correct ${key}`,
    });
  }
  if (missing.length === 0) out.notes.push(`${set} has all ${names.length} custom fields`);
}

async function checkAccount(client: HeatClient, cfg: LoadedConfig, out: LiveResult): Promise<void> {
  const account = cfg.service.heat.account;
  const teams = [...destinationTeams(cfg).keys()];
  const authors = await readNoteAuthors(client, teams);
  if (authors.length === 0) {
    out.notes.push(
      `not checked: that the API key acts as heat.account "${account}" (HEAT holds no routing note of ours yet; the worker checks it at its first write, log event account_mismatch)`,
    );
    return;
  }
  if (authors.some((a) => !isAccountMismatch(account, a))) {
    out.notes.push(`the API key acts as heat.account "${account}" (author of our routing notes)`);
    return;
  }
  out.problems.push({
    file: join(cfg.dir, 'service.yaml'),
    key: 'heat.account',
    problem: `HEAT stamps our writes as ${authors.map((a) => JSON.stringify(a)).join(', ')}, not as "${account}" (author of our routing notes)`,
    fix: `${ACCOUNT_FIX}; docs/heat-setup.md "The service account"`,
  });
}

/** The checks only HEAT can answer; each one that cannot run says so and why. */
async function checkLive(client: HeatClient, cfg: LoadedConfig): Promise<LiveResult> {
  const out: LiveResult = { problems: [], notes: [] };
  const attempt = async (what: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      out.problems.push({
        file: 'HEAT',
        key: '',
        problem: `cannot check ${what}: ${coerceError(err).message}`,
        fix: 'check HEAT_BASE_URL, the credentials and the role of the API key (it must read this business object; docs/heat-setup.md "The service account")',
      });
    }
  };
  await attempt('the destination teams', () => checkTeams(client, cfg, out));
  const routedFields = Object.entries(cfg.routing.fields).map(([k, v]) => [`fields.${k}`, v] as const);
  await attempt(`the custom fields on ${cfg.service.heat.incidentSet}`, () =>
    checkFields(client, cfg.service.heat.incidentSet, routedFields, join(cfg.dir, 'routing.yaml'), out),
  );
  if (cfg.service.counts.enabled) {
    await attempt(`the custom fields on ${cfg.service.heat.schoolSet}`, () =>
      checkFields(client, cfg.service.heat.schoolSet, countFields(cfg), join(cfg.dir, 'service.yaml'), out),
    );
  }
  await attempt('heat.account', () => checkAccount(client, cfg, out));
  return { problems: located(cfg, out.problems), notes: out.notes };
}

export function registerConfigCheckCommand(program: Command, ctx: CliContext): void {
  const config =
    program.commands.find((c) => c.name() === 'config') ??
    program.command('config').description('configuration tools');
  config
    .command('check')
    .description(
      'validate service.yaml and routing.yaml (and, with --live, teams, custom fields and the account in HEAT)',
    )
    .argument('[dir]', 'config folder (default: SBT_CONFIG_DIR or the shipped config/)')
    .option(
      '--live',
      'also ask HEAT: the destination teams exist, the custom fields exist on incidents and school records, the API key acts as heat.account',
    )
    .action(async (dir: string | undefined, opts: { live?: boolean }) => {
      let cfg: LoadedConfig;
      try {
        cfg = loadConfig({ dir, env: ctx.env, checkPolicy: checkPolicyCompiles });
        const policy = compilePolicy(cfg.routing, cfg.policyVersion, { file: join(cfg.dir, 'routing.yaml') });
        ctx.stdout.write(
          `config ${cfg.dir}: OK (policy ${policy.policyVersion}, ${policy.rules.length} rules, threshold ${policy.threshold})\n`,
        );
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        printProblems(ctx, err.problems);
        ctx.stdout.write(`${err.problems.length} problem(s) found\n`);
        process.exitCode = 1;
        return;
      }
      const notChecked = (why: string): void => {
        ctx.stdout.write(`not checked (${why}):\n${LIVE_CHECKS.map((c) => `  - ${c}\n`).join('')}`);
      };
      if (!opts.live) {
        notChecked('run with --live and the HEAT settings of config/.env.example to check');
        return;
      }
      let client: HeatClient;
      try {
        client = createHeatClient(heatClientConfigFrom(cfg.service, cfg.env), {
          logger: createSilentLogger(),
        });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        printProblems(ctx, err.problems);
        notChecked('no usable HEAT settings');
        process.exitCode = 1;
        return;
      }
      try {
        const { problems, notes } = await checkLive(client, cfg);
        for (const note of notes) ctx.stdout.write(`${note}\n`);
        if (problems.length > 0) {
          printProblems(ctx, problems);
          ctx.stdout.write(`${problems.length} problem(s) found in HEAT\n`);
          process.exitCode = 1;
        }
      } finally {
        client.close();
      }
    });
}
