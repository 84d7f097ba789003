import { ConfigError, type ConfigProblem, type Env, type ServiceConfig } from '../config/index.js';
import type { FilterDateFormat, HeatClientConfig } from './types.js';

const ENV = 'environment';
const SESSION_VARS = ['HEAT_USERNAME', 'HEAT_PASSWORD', 'HEAT_ROLE'] as const;

/**
 * What is wrong with a HEAT base URL, as configuration problems (file, key, fix). The one check of the
 * URL: heatClientConfigFrom and createHeatClient both use it, so the messages are the same everywhere.
 */
export function heatBaseUrlProblems(baseUrl: string | undefined): ConfigProblem[] {
  if (!baseUrl) {
    return [
      {
        file: ENV,
        key: 'HEAT_BASE_URL',
        problem: 'is not set',
        fix: 'set HEAT_BASE_URL to the tenant URL, e.g. https://district.saasit.com or https://host/HEAT for on-prem (see config/.env.example)',
      },
    ];
  }
  if (!URL.canParse(baseUrl)) {
    return [
      {
        file: ENV,
        key: 'HEAT_BASE_URL',
        problem: 'is not a URL',
        fix: 'set HEAT_BASE_URL to e.g. https://district.saasit.com or https://host/HEAT',
      },
    ];
  }
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return [
      {
        file: ENV,
        key: 'HEAT_BASE_URL',
        problem: `must start with https:// (or http:// for the local simulator), got ${url.protocol}`,
        fix: 'set HEAT_BASE_URL to e.g. https://district.saasit.com or https://host/HEAT',
      },
    ];
  }
  if (/\/api(\/|$)/i.test(url.pathname)) {
    return [
      {
        file: ENV,
        key: 'HEAT_BASE_URL',
        problem: `must not include the API path (got a URL whose path is ${JSON.stringify(url.pathname)})`,
        fix: 'give only the tenant root, e.g. https://district.saasit.com or https://host/HEAT; the client adds /api/...',
      },
    ];
  }
  return [];
}

/** Neither an API key nor a session login is configured. */
export const NO_HEAT_CREDENTIALS: ConfigProblem = {
  file: ENV,
  key: 'HEAT_API_KEY',
  problem: 'no HEAT credentials are set',
  fix: 'set HEAT_API_KEY to the Reference ID of a HEAT API key (Configure > Security Controls > API Keys), or set HEAT_USERNAME, HEAT_PASSWORD and HEAT_ROLE for session login',
};

/**
 * The HEAT client's config: limits from config/service.yaml (heat.*), URL and credentials from the
 * environment. An API key wins over session login (keys do not expire, docs/heat-api.md §2.1). Throws a
 * ConfigError naming each missing or wrong variable and how to fix it. The one place that validates
 * HEAT's URL and credentials (the worker's start-up report and createHeatClient ask it too).
 */
export function heatClientConfigFrom(service: ServiceConfig, env: Env): HeatClientConfig {
  const baseUrl = env.HEAT_BASE_URL?.replace(/\/+$/, '');
  const problems: ConfigProblem[] = heatBaseUrlProblems(baseUrl);

  let auth: Pick<HeatClientConfig, 'apiKey' | 'session'> = {};
  if (env.HEAT_API_KEY) {
    auth = { apiKey: env.HEAT_API_KEY };
  } else {
    const anySession = SESSION_VARS.some((name) => env[name]) || Boolean(env.HEAT_TENANT);
    if (!anySession) {
      problems.push(NO_HEAT_CREDENTIALS);
    } else {
      for (const name of SESSION_VARS) {
        if (!env[name]) {
          problems.push({
            file: ENV,
            key: name,
            problem: 'is not set, but session login needs it (HEAT_API_KEY is not set either)',
            fix:
              name === 'HEAT_ROLE'
                ? 'set HEAT_ROLE to the internal role name (e.g. Admin, not "Administrator"), or set HEAT_API_KEY instead'
                : `set ${name}, or set HEAT_API_KEY instead`,
          });
        }
      }
      if (!env.HEAT_TENANT && !(baseUrl && URL.canParse(baseUrl))) {
        problems.push({
          file: ENV,
          key: 'HEAT_TENANT',
          problem: 'is not set and cannot be taken from HEAT_BASE_URL',
          fix: 'set HEAT_TENANT to the tenant host name (e.g. district.saasit.com)',
        });
      }
      if (
        env.HEAT_USERNAME &&
        env.HEAT_PASSWORD &&
        env.HEAT_ROLE &&
        (env.HEAT_TENANT || problems.length === 0)
      ) {
        auth = {
          session: {
            // The login body's tenant is the tenant host (docs/heat-api.md §2.2).
            tenant: env.HEAT_TENANT ?? new URL(baseUrl!).host,
            username: env.HEAT_USERNAME,
            password: env.HEAT_PASSWORD,
            role: env.HEAT_ROLE,
          },
        };
      }
    }
  }
  if (problems.length > 0 || !baseUrl) throw new ConfigError(problems);

  const heat = service.heat;
  const filterDateFormat: FilterDateFormat = heat.filterDateFormat;
  return {
    baseUrl,
    ...auth,
    timeoutMs: heat.timeoutMs,
    maxConcurrency: heat.maxConcurrency,
    dailyCallBudget: heat.dailyCallBudget,
    pageSize: heat.pageSize,
    retries: { ...heat.retries },
    filterDateFormat,
  };
}
