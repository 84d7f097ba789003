import { describe, expect, it } from 'vitest';
import { failedJobFacts, failedJobOutcome, type FailedJobFacts } from '../../../src/queue/index.js';

const facts = (over: Partial<FailedJobFacts> = {}): FailedJobFacts => ({
  hasJob: true,
  attemptsMade: 1,
  attempts: 5,
  errorName: 'Error',
  errorMessage: 'HEAT answered 503',
  ...over,
});

describe('failedJobOutcome', () => {
  it('retries a transient failure with attempts left', () => {
    expect(failedJobOutcome(facts())).toBe('retried');
    expect(failedJobOutcome(facts({ attemptsMade: 4 }))).toBe('retried');
  });

  it('has failed for good once the attempts are used up', () => {
    expect(failedJobOutcome(facts({ attemptsMade: 5 }))).toBe('failed');
    expect(failedJobOutcome(facts({ attemptsMade: 6 }))).toBe('failed');
  });

  it('has failed for good when its workers kept dying, whatever the attempts left', () => {
    const stalled = facts({ attemptsMade: 0, errorMessage: 'job stalled more than allowable limit' });
    expect(failedJobOutcome(stalled)).toBe('failed');
  });

  it('drops an unrecoverable error and a failure reported without its job', () => {
    expect(failedJobOutcome(facts({ errorName: 'UnrecoverableError', attemptsMade: 5 }))).toBe('dropped');
    expect(failedJobOutcome(facts({ hasJob: false }))).toBe('dropped');
  });

  it('reads the facts from a BullMQ job and error (attempts default to 1)', () => {
    const err = Object.assign(new Error('boom'), { name: 'UnrecoverableError' });
    expect(failedJobFacts({ attemptsMade: 2, opts: {} }, err)).toEqual({
      hasJob: true,
      attemptsMade: 2,
      attempts: 1,
      errorName: 'UnrecoverableError',
      errorMessage: 'boom',
    });
    expect(failedJobFacts(undefined, new Error('gone'))).toEqual({
      hasJob: false,
      attemptsMade: 0,
      attempts: 1,
      errorName: 'Error',
      errorMessage: 'gone',
    });
  });
});
