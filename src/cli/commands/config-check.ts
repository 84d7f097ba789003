import { join } from 'node:path';
import type { Command } from 'commander';
import { compileLoadedPolicy } from '../../classify/index.js';
import {
  ConfigError,
  formatProblemPlace,
  loadConfig,
  type ConfigProblem,
  type LoadedConfig,
} from '../../config/index.js';
import { createHeatClient, heatClientConfigFrom } from '../../heat/index.js';
import { createSilentLogger } from '../../observability/index.js';
import type { CliContext } from '../cli-context.js';

/** Teams the policy routes to: intake, technicians, per-school teams and category destinations. */
export function destinationTeams(cfg: LoadedConfig): Map<string, string> {
  const teams = new Map<string, string>();
  teams.set(cfg.routing.teams.intake, 'teams.intake');
  teams.set(cfg.routing.teams.technicians, 'teams.technicians');
  for (const [school, team] of Object.entries(cfg.routing.teams.perSchool))
    teams.set(team, `teams.perSchool.${school}`);
  for (const [id, settings] of Object.entries(cfg.routing.categories)) {
    if (settings?.destination) teams.set(settings.destination, `categories.${id}.destination`);
  }
  return teams;
}

function printProblems(ctx: CliContext, problems: readonly ConfigProblem[]): void {
  for (const p of problems) ctx.stdout.write(`${formatProblemPlace(p)}: ${p.problem}\n  fix: ${p.fix}\n`);
}

export function registerConfigCheckCommand(program: Command, ctx: CliContext): void {
  const config =
    program.commands.find((c) => c.name() === 'config') ??
    program.command('config').description('configuration tools');
  config
    .command('check')
    .description('validate service.yaml and routing.yaml (and, with --live, the destination teams in HEAT)')
    .argument('[dir]', 'config folder (default: SBT_CONFIG_DIR or the shipped config/)')
    .option(
      '--live',
      "also read the tenant's teams (standarduserteams) and list destinations HEAT does not know",
    )
    .action(async (dir: string | undefined, opts: { live?: boolean }) => {
      let cfg: LoadedConfig;
      try {
        cfg = loadConfig({ dir, env: ctx.env });
        const policy = compileLoadedPolicy(cfg);
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
      if (!opts.live) return;
      let client;
      try {
        client = createHeatClient(heatClientConfigFrom(cfg.service, cfg.env), {
          logger: createSilentLogger(),
        });
      } catch (err) {
        if (err instanceof ConfigError) {
          printProblems(ctx, err.problems);
          process.exitCode = 1;
          return;
        }
        ctx.stdout.write(`cannot create the HEAT client: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      try {
        // heat-api.md: teams are the `standarduserteams` business object, identified by the field `Team`.
        const rows = await client.list('standarduserteams', { select: ['Team'] });
        const known = new Set(
          rows.map((r) =>
            String(r['Team'] ?? '')
              .trim()
              .toLowerCase(),
          ),
        );
        const routingFile = join(cfg.dir, 'routing.yaml');
        const missing: ConfigProblem[] = [];
        for (const [team, key] of destinationTeams(cfg)) {
          if (!known.has(team.trim().toLowerCase())) {
            missing.push({
              file: routingFile,
              key,
              problem: `team "${team}" does not exist in HEAT (standarduserteams)`,
              fix: 'create the team in HEAT or correct the name (spelling and spaces must match the Team field)',
            });
          }
        }
        if (missing.length > 0) {
          printProblems(ctx, missing);
          process.exitCode = 1;
        } else {
          ctx.stdout.write(`HEAT knows all ${destinationTeams(cfg).size} destination teams\n`);
        }
      } catch (err) {
        ctx.stdout.write(`cannot read teams from HEAT: ${(err as Error).message}\n`);
        process.exitCode = 1;
      } finally {
        client.close();
      }
    });
}
