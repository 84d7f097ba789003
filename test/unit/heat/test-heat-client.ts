import { captureLogs, type LogRecord } from '../../support/capture-logs.js';
import { createHeatClient } from '../../../src/heat/index.js';
import type { HeatCallRecord, HeatClient, HeatClientConfig } from '../../../src/heat/index.js';

/** On-prem style base URL, so every test also checks the /HEAT prefix join. */
export const BASE = 'https://heat.example.test';
export const PREFIX = '/HEAT';
export const ODATA = `${PREFIX}/api/odata/businessobject`;

export type LogLine = LogRecord;

export interface TestClient {
  client: HeatClient;
  delays: number[];
  calls: HeatCallRecord[];
  logs: LogLine[];
  /** Everything the logger wrote, as one string (to check nothing secret leaked). */
  logText(): string;
  setNow(iso: string): void;
}

export function testConfig(overrides: Partial<HeatClientConfig> = {}): HeatClientConfig {
  return {
    baseUrl: `${BASE}${PREFIX}/`,
    apiKey: 'KEY-0123456789ABCDEF',
    timeoutMs: 2_000,
    maxConcurrency: 4,
    dailyCallBudget: 1_000,
    pageSize: 100,
    retries: { max: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
    ...overrides,
  };
}

export function makeTestClient(
  overrides: Partial<HeatClientConfig> = {},
  random: () => number = () => 0.5,
): TestClient {
  const delays: number[] = [];
  const calls: HeatCallRecord[] = [];
  const logs = captureLogs();
  let now = new Date('2026-11-01T12:00:00Z');
  const client = createHeatClient(testConfig(overrides), {
    logger: logs.logger,
    now: () => now,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random,
    onCall: (call) => calls.push(call),
  });
  return {
    client,
    delays,
    calls,
    logs: logs.entries,
    logText: logs.text,
    setNow(iso) {
      now = new Date(iso);
    },
  };
}

/** n fake incidents with increasing LastModDateTime. */
export function incidents(n: number, start = 0): Array<{ RecId: string; LastModDateTime: string }> {
  return Array.from({ length: n }, (_, i) => {
    const k = start + i;
    return {
      RecId: k.toString(16).toUpperCase().padStart(32, '0'),
      LastModDateTime: new Date(Date.UTC(2026, 10, 1, 10, 0, 0) + k * 1000).toISOString(),
    };
  });
}
