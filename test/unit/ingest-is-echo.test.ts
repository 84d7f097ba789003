import { describe, expect, it } from 'vitest';
import { isEcho } from '../../src/ingest/index.js';

describe('isEcho', () => {
  it('is an echo when our account saved it last (any case)', () => {
    expect(isEcho({ lastModBy: 'SVC-SBT', lastModDateTime: '2026-09-01T10:00:00Z' }, null, 'svc-sbt')).toBe(
      true,
    );
  });

  it('is an echo when a job already finished this exact instant, whatever the offset HEAT renders', () => {
    const version = { lastModBy: 'jdoe', lastModDateTime: '2026-09-01T12:00:00+02:00' };
    expect(isEcho(version, '2026-09-01T10:00:00.000Z', 'svc-sbt')).toBe(true);
  });

  it("is not an echo for a person's later edit or when nothing was finished", () => {
    const version = { lastModBy: 'jdoe', lastModDateTime: '2026-09-01T10:00:01Z' };
    expect(isEcho(version, '2026-09-01T10:00:00Z', 'svc-sbt')).toBe(false);
    expect(isEcho(version, null, 'svc-sbt')).toBe(false);
    expect(isEcho({}, null, 'svc-sbt')).toBe(false);
    expect(isEcho({ lastModDateTime: 'not a date' }, 'not a date', 'svc-sbt')).toBe(false);
  });
});
