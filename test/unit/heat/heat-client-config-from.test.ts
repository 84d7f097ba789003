import { describe, expect, it } from 'vitest';
import { ConfigError, serviceConfigSchema } from '../../../src/config/index.js';
import type { Env } from '../../../src/config/index.js';
import { createHeatClient, heatClientConfigFrom } from '../../../src/heat/index.js';
import { createSilentLogger } from '../../../src/observability/index.js';

const service = serviceConfigSchema.parse({
  heat: {
    pageSize: 50,
    timeoutMs: 10_000,
    maxConcurrency: 6,
    dailyCallBudget: 5_000,
    retries: { max: 2, baseDelayMs: 100, maxDelayMs: 2_000 },
  },
});

function problemsOf(env: Env): Array<{ key: string; fix: string }> {
  try {
    heatClientConfigFrom(service, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => ({ key: p.key, fix: p.fix }));
  }
  throw new Error('expected a ConfigError');
}

describe('heatClientConfigFrom', () => {
  it('builds an API-key config from service.yaml limits and the env', () => {
    const cfg = heatClientConfigFrom(service, {
      HEAT_BASE_URL: 'https://host.example/HEAT/',
      HEAT_API_KEY: 'K123456',
    });
    expect(cfg).toEqual({
      baseUrl: 'https://host.example/HEAT',
      apiKey: 'K123456',
      timeoutMs: 10_000,
      maxConcurrency: 6,
      dailyCallBudget: 5_000,
      pageSize: 50,
      retries: { max: 2, baseDelayMs: 100, maxDelayMs: 2_000 },
      filterDateFormat: 'timestamp',
    });
  });

  it('builds a session config, taking the tenant from the URL host when HEAT_TENANT is unset', () => {
    const cfg = heatClientConfigFrom(service, {
      HEAT_BASE_URL: 'https://district.saasit.example',
      HEAT_USERNAME: 'svc',
      HEAT_PASSWORD: 'pw-123456',
      HEAT_ROLE: 'Admin',
    });
    expect(cfg.apiKey).toBeUndefined();
    expect(cfg.session).toEqual({
      tenant: 'district.saasit.example',
      username: 'svc',
      password: 'pw-123456',
      role: 'Admin',
    });
  });

  it('names HEAT_BASE_URL when it is missing or includes /api', () => {
    expect(problemsOf({ HEAT_API_KEY: 'K' })).toEqual([
      { key: 'HEAT_BASE_URL', fix: expect.stringMatching(/set HEAT_BASE_URL to the tenant URL/) },
    ]);
    expect(problemsOf({ HEAT_BASE_URL: 'district.saasit', HEAT_API_KEY: 'K' })).toEqual([
      { key: 'HEAT_BASE_URL', fix: expect.stringMatching(/https:\/\/district/) },
    ]);
    expect(problemsOf({ HEAT_BASE_URL: 'https://h.example/HEAT/api/odata', HEAT_API_KEY: 'K' })).toEqual([
      { key: 'HEAT_BASE_URL', fix: expect.stringMatching(/only the tenant root/) },
    ]);
  });

  it('names the credentials to set when there are none, or when session login is incomplete', () => {
    expect(problemsOf({ HEAT_BASE_URL: 'https://h.example' })).toEqual([
      {
        key: 'HEAT_API_KEY',
        fix: expect.stringMatching(/HEAT_API_KEY .* or set HEAT_USERNAME, HEAT_PASSWORD and HEAT_ROLE/),
      },
    ]);
    expect(
      problemsOf({ HEAT_BASE_URL: 'https://h.example', HEAT_USERNAME: 'svc' }).map((p) => p.key),
    ).toEqual(['HEAT_PASSWORD', 'HEAT_ROLE']);
    const both = problemsOf({ HEAT_PASSWORD: 'secret-pw', HEAT_USERNAME: 'svc', HEAT_ROLE: 'Admin' });
    expect(both.map((p) => p.key)).toEqual(['HEAT_BASE_URL', 'HEAT_TENANT']);
  });

  it('never puts the password in the error message', () => {
    try {
      heatClientConfigFrom(service, { HEAT_PASSWORD: 'secret-pw-999', HEAT_USERNAME: 'svc' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/environment: HEAT_BASE_URL: is not set/);
      expect((err as Error).message).not.toContain('secret-pw-999');
    }
  });

  it('gives createHeatClient the same problems and messages for a config built by hand', () => {
    const limits = heatClientConfigFrom(service, { HEAT_BASE_URL: 'https://h.example', HEAT_API_KEY: 'K' });
    const messageOf = (run: () => unknown): string => {
      try {
        run();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    const byHand = messageOf(() =>
      createHeatClient(
        { ...limits, baseUrl: 'https://h.example/HEAT/api/odata', apiKey: undefined },
        { logger: createSilentLogger() },
      ),
    );
    const fromEnv = messageOf(() =>
      heatClientConfigFrom(service, { HEAT_BASE_URL: 'https://h.example/HEAT/api/odata' }),
    );
    expect(byHand).toBe(fromEnv);
    expect(byHand).toMatch(
      /HEAT_BASE_URL: must not include the API path.*HEAT_API_KEY: no HEAT credentials are set/s,
    );
    expect(
      messageOf(() =>
        createHeatClient({ ...limits, baseUrl: 'ftp://h.example' }, { logger: createSilentLogger() }),
      ),
    ).toMatch(/HEAT_BASE_URL: must start with https:\/\/ \(or http:\/\/ for the local simulator\), got ftp:/);
  });
});
