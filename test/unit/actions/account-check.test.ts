import { describe, expect, it } from 'vitest';
import { createAccountCheck } from '../../../src/actions/index.js';
import { captureLogs } from '../../support/capture-logs.js';

function captureLogger() {
  const { logger, lines } = captureLogs();
  return { logger, events: lines };
}

describe('createAccountCheck', () => {
  it('logs one account_mismatch naming both logins, on the first write only', () => {
    const { logger, events } = captureLogger();
    const check = createAccountCheck('svc-sbt', logger);
    check(null);
    check('jdoe');
    check('someone-else');
    const logged = events();
    expect(logged.length).toBe(1);
    expect(logged[0]).toMatchObject({ event: 'account_mismatch', configured: 'svc-sbt', stampedBy: 'jdoe' });
  });

  it('stays quiet when HEAT stamps the configured account (any case)', () => {
    const { logger, events } = captureLogger();
    const check = createAccountCheck('svc-sbt', logger);
    check('SVC-SBT');
    check('jdoe');
    expect(events()).toEqual([]);
  });
});
