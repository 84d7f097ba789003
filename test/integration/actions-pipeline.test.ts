import { describe, expect, it } from 'vitest';
import { classifyTicket, compilePolicy } from '../../src/classify/index.js';
import { loadConfig } from '../../src/config/index.js';
import { TICKET_TEXTS } from '../support/actions-pipeline-helpers.js';
describe('x', () => {
  it('y', () => {
    const c = loadConfig({
      dir: 'config',
      env: { HEAT_BASE_URL: 'http://x', HEAT_API_KEY: 'k', REDIS_URL: 'redis://x' },
    });
    const p = compilePolicy(c.routing, c.policyVersion);
    const out: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(TICKET_TEXTS)) out[k] = classifyTicket({ RecId: 'A', ...t }, p);
    console.log(JSON.stringify(out, null, 1));
    expect(1).toBe(1);
  });
});
