import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, problemsFromZod, type ConfigProblem } from './config-error.js';
import { CATEGORY_IDS, CATEGORY_SCOPES, isCategoryId, teamKey, type CategoryId } from '../domain/index.js';
import { envSchema, type Env } from './env-schema.js';
import { deepFreeze, locateProblems, readYamlSource, validateYamlSource } from './load-yaml-file.js';
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
  /** routing.yaml's path (where compilePolicy's problems are). */
  routingSource: { file: string };
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

/** Fixes for required routing.yaml keys that have no default. */
const ROUTING_MISSING_KEY_FIXES = {
  threshold:
    'add "threshold: 2" at the top level of routing.yaml (the shipped value: a category needs a score of 2 to win; there is no default, see docs/policy.md "Threshold")',
  categories: 'add the categories section with all eight category ids (see docs/policy.md "Categories")',
} as const;

/**
 * Compiles (or otherwise checks) the policy; throws ConfigError with its problems. Injected by the
 * callers that have the classification engine (src/classify depends on src/config, not the reverse),
 * so that its problems are reported together with the schema's and the cross-checks'.
 */
export type PolicyCheck = (routing: RoutingPolicyConfig, policyVersion: string, file: string) => void;

export interface LoadConfigOptions {
  dir?: string;
  env?: NodeJS.ProcessEnv;
  /** Usually `(r, v, file) => compilePolicy(r, v, { file })`. */
  checkPolicy?: PolicyCheck;
}

/** A name in quotes with characters that look like a space (or like nothing) written as \\uXXXX. */
function visibleName(name: string): string {
  return JSON.stringify(name).replace(
    /[\u007f-\u00a0\u00ad\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function restrictedCategories(routing: RoutingPolicyConfig): CategoryId[] {
  return CATEGORY_IDS.filter(
    (id) => CATEGORY_SCOPES[id] === 'restricted' || routing.categories[id]?.restricted === true,
  );
}

/** Checks that need more than one key, or that protect the policy (nothing may quietly weaken it). */
export function crossCheck(routingFile: string, routing: RoutingPolicyConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const push = (key: string, problem: string, fix: string): void => {
    problems.push({ file: routingFile, key, problem, fix });
  };
  const gradebook = routing.categories.gradebook_admin;
  const technicianTeamList = [routing.teams.technicians, ...Object.values(routing.teams.perSchool)];
  const technicianTeams = new Set(technicianTeamList.map(teamKey));
  const technicianLogins = new Set(routing.teams.technicianLogins.map(teamKey));
  if (!gradebook) {
    push(
      'categories.gradebook_admin',
      'the restricted gradebook category is missing',
      'add categories.gradebook_admin with a destination such as "Gradebook Managers"',
    );
  } else if (!gradebook.restricted) {
    push(
      'categories.gradebook_admin.restricted',
      'gradebook_admin must be restricted',
      'set restricted: true',
    );
  }
  for (const id of restrictedCategories(routing)) {
    const settings = routing.categories[id];
    if (!settings) continue;
    if (!settings.destination || technicianTeams.has(teamKey(settings.destination))) {
      const same = settings.destination
        ? technicianTeamList.find((t) => teamKey(t) === teamKey(settings.destination!))
        : undefined;
      push(
        `categories.${id}.destination`,
        `${id === 'gradebook_admin' ? 'gradebook' : 'restricted'} work may never go to technicians (destination is ${settings.destination ? visibleName(settings.destination) : 'null'}${same !== undefined && same !== settings.destination ? `, the same team as ${visibleName(same)} once case, spaces and look-alike characters are ignored` : ''})`,
        "set it to the gradebook managers' team, which is not the technicians' team",
      );
    }
    if (settings.owner && technicianLogins.has(teamKey(settings.owner))) {
      push(
        `categories.${id}.owner`,
        `the owner of restricted work, "${settings.owner}", is listed in teams.technicianLogins: moved ${id} tickets would be owned by a technician`,
        `name a member of "${settings.destination ?? 'the destination team'}" who is not a technician, or remove the owner key (the Owner is then cleared)`,
      );
    }
  }
  for (const id of CATEGORY_IDS) {
    const settings = routing.categories[id];
    if (CATEGORY_SCOPES[id] === 'out_of_scope' && settings && !settings.destination) {
      push(
        `categories.${id}.destination`,
        `out-of-scope category "${id}" has no destination, so its tickets would stay with the intake team, only tagged out of scope`,
        `set categories.${id}.destination to the team that owns this work (see docs/policy.md "Categories")`,
      );
    }
  }
  const restricted = new Set<string>(restrictedCategories(routing));
  routing.rules.forEach((rule, index) => {
    if (restricted.has(rule.category) && !(rule.weight > 0)) {
      push(
        `rules[${index}].weight`,
        `a rule of the restricted category "${rule.category}" has weight ${rule.weight}: it would count against ${rule.category} and let such tickets reach technicians`,
        `give it a positive weight (e.g. weight: 2) or delete the rule; to keep other tickets out of ${rule.category}, add a "none" condition to its rules instead`,
      );
    }
  });
  return problems;
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy of routing.yaml's data with the parts the schema refused taken out (unknown keys dropped,
 * invalid values removed so defaults apply, a broken rule replaced by a disabled one with the same
 * index), so that the cross-checks and the policy compiler still see everything else and report their
 * problems in the same run. Only for checking: never used to run. null when nothing usable is left.
 */
export function routingForChecking(raw: unknown): RoutingPolicyConfig | null {
  if (!isRecord(raw)) return null;
  const data = structuredClone(raw);
  const stubRule = (rules: unknown[], index: number): void => {
    const rule = rules[index];
    const id =
      isRecord(rule) && typeof rule.id === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(rule.id)
        ? rule.id
        : `unparsed-rule-${index}`;
    const category = isRecord(rule) && isCategoryId(rule.category) ? rule.category : 'hardware';
    rules[index] = { id, category, enabled: false };
  };
  for (let attempt = 0; attempt < 8; attempt++) {
    const result = routingPolicySchema.safeParse(data);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const path = issue.path;
      if (path[0] === 'rules' && typeof path[1] === 'number' && Array.isArray(data.rules)) {
        if (issue.code === 'unrecognized_keys' && path.length === 2 && isRecord(data.rules[path[1]])) {
          for (const k of issue.keys) delete (data.rules[path[1]] as Raw)[k];
        } else stubRule(data.rules, path[1]);
        continue;
      }
      if (path.length === 0) {
        if (issue.code !== 'unrecognized_keys') return null;
        for (const k of issue.keys) delete data[k];
        continue;
      }
      if (path.length === 1 && path[0] === 'threshold') {
        data.threshold = 1; // a stand-in so that the rest can be compiled; the missing key is reported
        continue;
      }
      // Remove the offending value (or, for unknown keys, the keys) so the default applies.
      let parent: unknown = data;
      const target = issue.code === 'unrecognized_keys' ? path : path.slice(0, -1);
      for (const part of target) parent = (parent as Raw | unknown[] | undefined)?.[part as never];
      if (issue.code === 'unrecognized_keys') {
        if (isRecord(parent)) for (const k of issue.keys) delete parent[k];
      } else if (Array.isArray(parent) && typeof path[path.length - 1] === 'number') {
        parent.splice(path[path.length - 1] as number, 1);
      } else if (isRecord(parent) && issue.input !== undefined) {
        delete parent[String(path[path.length - 1])];
      } else return null;
    }
  }
  return null;
}

/**
 * Loads, validates and freezes config/service.yaml, config/routing.yaml and the environment. Every
 * stage runs, and every problem of every stage is reported at once: the schemas (with line numbers and
 * "did you mean" for unknown keys), the cross-checks and, when `checkPolicy` is given, the policy
 * compiler (on what the schema accepted). Throws a ConfigError naming each problem's file, line, key and
 * fix; callers keep their last good config on error.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const rawEnv = options.env ?? process.env;
  const problems: ConfigProblem[] = [];
  let env: Env = {};
  try {
    env = readEnv(rawEnv);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  const dir = resolve(options.dir ?? env.SBT_CONFIG_DIR ?? defaultConfigDir());
  const serviceFile = join(dir, 'service.yaml');
  const routingFile = join(dir, 'routing.yaml');

  let service: ServiceConfig | undefined;
  try {
    if (existsSync(serviceFile)) {
      const checked = validateYamlSource(readYamlSource(serviceFile), serviceConfigSchema);
      if (checked.ok) service = checked.value;
      else problems.push(...checked.problems);
    } else service = serviceConfigSchema.parse({});
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  let routing: RoutingPolicyConfig | undefined;
  let policyVersion = '';
  let model: ModelFile | null = null;
  let modelVersion: string | null = null;
  try {
    const source = readYamlSource(routingFile);
    policyVersion = policyVersionOf(source.text);
    const checked = validateYamlSource(source, routingPolicySchema, ROUTING_MISSING_KEY_FIXES);
    if (checked.ok) routing = checked.value;
    else problems.push(...checked.problems);
    const forChecking = routing ?? routingForChecking(source.raw);
    if (forChecking) {
      const later = crossCheck(routingFile, forChecking);
      if (options.checkPolicy) {
        try {
          options.checkPolicy(forChecking, policyVersion, routingFile);
        } catch (err) {
          if (err instanceof ConfigError) later.push(...err.problems);
          else throw err;
        }
      }
      problems.push(...locateProblems(source, later));
    }
    if (routing?.model) {
      const read = readModelFile(resolve(dir, routing.model.file));
      problems.push(...read.problems);
      model = read.model;
      modelVersion = read.hash;
      if (read.hash !== null) policyVersion = policyVersionOf(`${source.text}\0model:${read.hash}`);
    }
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  if (problems.length > 0 || !service || !routing) throw new ConfigError(problems);
  if (env.LOG_LEVEL) service = { ...service, logging: { level: env.LOG_LEVEL } };
  if (env.PORT !== undefined) service = { ...service, http: { ...service.http, port: env.PORT } };
  if (env.HTTP_HOST !== undefined) service = { ...service, http: { ...service.http, host: env.HTTP_HOST } };
  const routingSource = { file: routingFile };
  return deepFreeze({ dir, service, routing, policyVersion, model, modelVersion, env, routingSource });
}
