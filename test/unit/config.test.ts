import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serviceConfigSchema } from '../../src/config/index.js';
import { defaultWebhookRate } from '../../src/ingest/index.js';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sbt-config-'));
  copyFileSync(join('config', 'routing.yaml'), join(dir, 'routing.yaml'));
  copyFileSync('config/model.json', join(dir, 'model.json'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadConfig', () => {
  it('loads the shipped defaults', () => {
    const cfg = loadConfig({ dir: 'config', env: {} });
    expect(cfg.service.poll.intervalSeconds).toBe(30);
    expect(cfg.routing.fields.category).toBe('SBT_Category');
    expect(cfg.policyVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(Object.isFrozen(cfg.service)).toBe(true);
  });

  it('names the file, key and fix for a misspelt key', () => {
    const dir = configDir({ 'service.yaml': 'poll:\n  intervalSecond: 10\n' });
    try {
      loadConfig({ dir, env: {} });
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problem = (err as ConfigError).problems[0]!;
      expect(problem.file).toBe(join(dir, 'service.yaml'));
      expect(problem.key).toBe('poll.intervalSecond');
      expect(problem.line).toBe(2);
      expect(problem.fix).toBe(
        'did you mean "intervalSeconds"? Rename "intervalSecond" to "intervalSeconds" (see config/README.md)',
      );
    }
  });

  it('reports a wrong type with its key path', () => {
    const dir = configDir({ 'service.yaml': 'worker:\n  concurrency: lots\n' });
    expect(() => loadConfig({ dir, env: {} })).toThrow(
      /service\.yaml:2 worker\.concurrency: .*Fix: give "worker\.concurrency" a value of type number/,
    );
  });

  it('reports YAML syntax errors with a position', () => {
    const dir = configDir({ 'service.yaml': 'poll:\n  intervalSeconds: [1,\n' });
    expect(() => loadConfig({ dir, env: {} })).toThrow(/service\.yaml:\d+ \(column \d+\): YAML syntax error/);
  });

  it('rejects a bad environment variable by name', () => {
    expect(() => loadConfig({ dir: 'config', env: { REDIS_URL: 'localhost:6379' } })).toThrow(
      /environment: REDIS_URL: must start with redis:\/\//,
    );
  });

  it('treats empty environment variables as unset', () => {
    const cfg = loadConfig({ dir: 'config', env: { REDIS_URL: '', HEAT_API_KEY: '' } });
    expect(cfg.env.REDIS_URL).toBeUndefined();
  });
});

describe('gradebook protection in config', () => {
  it('refuses a gradebook destination that is the technicians team in another case', () => {
    const dir = configDir({});
    const routing = readFileSync(join(dir, 'routing.yaml'), 'utf8').replace(
      /(gradebook_admin:\n(?:.*\n)*?\s+destination: )Gradebook Managers/,
      '$1school technicians ',
    );
    writeFileSync(join(dir, 'routing.yaml'), routing);
    copyFileSync('config/model.json', join(dir, 'model.json'));
    expect(() => loadConfig({ dir, env: {} })).toThrow(
      /routing\.yaml:\d+ categories\.gradebook_admin\.destination: gradebook work may never go to technicians/,
    );
  });
});

describe('service.yaml values checked at load, not at first use', () => {
  it.each([
    ['poll:\n  startFrom: last tuesday\n', 'poll.startFrom', 'ISO date'],
    ['counts:\n  timeZone: America/Chicgo\n', 'counts.timeZone', 'America/Chicago'],
    ["counts:\n  reconcileCron: 'every night'\n", 'counts.reconcileCron', '30 2'],
  ])('%s', (yaml, key, fixText) => {
    const dir = configDir({ 'service.yaml': yaml });
    try {
      loadConfig({ dir, env: {} });
      expect.unreachable('should have thrown');
    } catch (err) {
      const problem = (err as ConfigError).problems[0]!;
      expect(problem.key).toBe(key);
      expect(problem.fix).toContain(fixText);
    }
  });
});

describe('http.host', () => {
  it('listens on loopback unless configured; HTTP_HOST overrides it (the image sets 0.0.0.0)', () => {
    expect(serviceConfigSchema.parse({}).http.host).toBe('127.0.0.1');
    expect(loadConfig({ dir: 'config', env: {} }).service.http.host).toBe('127.0.0.1');
    expect(loadConfig({ dir: 'config', env: { HTTP_HOST: '0.0.0.0' } }).service.http.host).toBe('0.0.0.0');
  });

  it('leaves the webhook rate to the HEAT budget unless webhook.rateLimit.perSecond is set', () => {
    const parsed = serviceConfigSchema.parse({});
    expect(parsed.webhook.rateLimit.perSecond).toBeUndefined();
    expect(defaultWebhookRate(86_400)).toBe(10);
    expect(parsed.webhook.rateLimit.burst).toBe(20);
    expect(parsed.webhook.unknownTtlSeconds).toBe(600);
  });
});
