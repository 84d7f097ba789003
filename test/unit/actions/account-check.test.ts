import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAccountCheck } from '../../../src/actions/index.js';
import { createLogger } from '../../../src/observability/index.js';

function captureLogger() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    logger: createLogger({ stream, level: 'debug' }),
    events: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
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
