import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, problemsFromZod, type ConfigProblem, type KeyLines } from './config-error.js';
import { teamKey } from '../domain/index.js';
import { envSchema, type Env } from './env-schema.js';
import { deepFreeze, loadYamlFile } from './load-yaml-file.js';
import { routingPolicySchema, type RoutingPolicyConfig } from './routing-schema.js';
import { serviceConfigSchema, type ServiceConfig } from './service-schema.js';
import { readModelFile, type ModelFile } from './model-file-schema.js';

export interface LoadedConfig {
  dir: string;
  service: ServiceConfig;
  routing: RoutingPolicyConfig;
  /** Short content hash of routing.yaml and the model file: changes whenever either's content does. */
  policyVersion: string;
  /** The learned model named by routing.yaml `model.file` (null when the policy has no `model`). */
  model: ModelFile | null;
  /** Short content hash of the model file (null without a model). */
  modelVersion: string | null;
  env: Env;
  /** Where compilePolicy's problems are: routing.yaml's path and the line of each key written in it. */
  routingSource: { file: string; lines: KeyLines };
}

/** The config/ folder shipped with the package (next to dist/ or src/). */
export function defaultConfigDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'config');
}

export function readEnv(env: NodeJS.ProcessEnv): Env {
  // Empty strings count as unset: docker-compose and .env files often leave `KEY=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(
      problemsFromZod('environment', result.error).map((p) => ({
        ...p,
        fix: `set ${p.key} correctly (see config/.env.example)`,
      })),
    );
  }
  return result.data;
}

export function policyVersionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Checks that need more than one key, or that protect the gradebook rule. */
export function crossCheck(routingFile: string, routing: RoutingPolicyConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const gradebook = routing.categories.gradebook_admin;
  const technicianTeams = new Set(
    [routing.teams.technicians, ...Object.values(routing.teams.perSchool)].map(teamKey),
  );
  if (!gradebook) {
    problems.push({
      file: routingFile,
      key: 'categories.gradebook_admin',
      problem: 'the restricted gradebook category is missing',
      fix: 'add categories.gradebook_admin with a destination such as "Gradebook Managers"',
    });
  } else {
    if (!gradebook.destination || technicianTeams.has(teamKey(gradebook.destination))) {
      problems.push({
        file: routingFile,
        key: 'categories.gradebook_admin.destination',
        problem: `gradebook work may never go to technicians (destination is ${JSON.stringify(gradebook.destination)})`,
        fix: "set it to the gradebook managers' team, which is not the technicians' team",
      });
    }
    if (!gradebook.restricted) {
      problems.push({
        file: routingFile,
        key: 'categories.gradebook_admin.restricted',
        problem: 'gradebook_admin must be restricted',
        fix: 'set restricted: true',
      });
    }
  }
  return problems;
}

/**
 * Loads, validates and freezes config/service.yaml, config/routing.yaml and the environment. Throws a
 * ConfigError naming every problem's file, key and fix; callers keep their last good config on error.
 */
export function loadConfig(options: { dir?: string; env?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const rawEnv = options.env ?? process.env;
  const env = readEnv(rawEnv);
  const dir = resolve(options.dir ?? env.SBT_CONFIG_DIR ?? defaultConfigDir());
  const serviceFile = join(dir, 'service.yaml');
  const routingFile = join(dir, 'routing.yaml');
  const problems: ConfigProblem[] = [];

  let service: ServiceConfig | undefined;
  try {
    service = existsSync(serviceFile)
      ? loadYamlFile(serviceFile, serviceConfigSchema).value
      : serviceConfigSchema.parse({});
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  let routing: RoutingPolicyConfig | undefined;
  let policyVersion = '';
  let model: ModelFile | null = null;
  let modelVersion: string | null = null;
  let routingLines: KeyLines = {};
  try {
    const loaded = loadYamlFile(routingFile, routingPolicySchema);
    routing = loaded.value;
    routingLines = loaded.lines;
    policyVersion = policyVersionOf(loaded.text);
    problems.push(...crossCheck(routingFile, routing));
    if (routing.model) {
      const read = readModelFile(resolve(dir, routing.model.file));
      problems.push(...read.problems);
      model = read.model;
      modelVersion = read.hash;
      if (read.hash !== null) policyVersion = policyVersionOf(`${loaded.text}\0model:${read.hash}`);
    }
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  if (problems.length > 0 || !service || !routing) throw new ConfigError(problems);
  if (env.LOG_LEVEL) service = { ...service, logging: { level: env.LOG_LEVEL } };
  if (env.PORT !== undefined) service = { ...service, http: { ...service.http, port: env.PORT } };
  const routingSource = { file: routingFile, lines: routingLines };
  return deepFreeze({ dir, service, routing, policyVersion, model, modelVersion, env, routingSource });
}
