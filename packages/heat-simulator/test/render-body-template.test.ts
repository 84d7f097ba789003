import { describe, expect, it } from 'vitest';
import { renderBodyTemplate } from '../src/render-body-template.js';
import { formatHeatDate } from '../src/format-heat-date.js';

describe('renderBodyTemplate', () => {
  it('JSON-escapes quoted placeholders and writes bare ones as JSON values', () => {
    const out = renderBodyTemplate(
      '{"RecId":"{{RecId}}","IncidentNumber":{{IncidentNumber}},"S":"{{Subject}}","O":{{Owner}},"T":{{Team}}}',
      {
        RecId: 'ABC',
        IncidentNumber: 10042,
        Subject: 'He said "hi"\nbye \\ ok',
        Owner: null,
        Team: 'Web "Services"',
      },
    );
    expect(JSON.parse(out)).toEqual({
      RecId: 'ABC',
      IncidentNumber: 10042,
      S: 'He said "hi"\nbye \\ ok',
      O: null,
      T: 'Web "Services"',
    });
  });

  it('renders a missing field as empty inside quotes and null outside', () => {
    expect(JSON.parse(renderBodyTemplate('{"a":"{{Nope}}","b":{{Nope}}}', {}))).toEqual({ a: '', b: null });
  });
});

describe('formatHeatDate', () => {
  it('renders instants in the tenant offset, whole seconds by default', () => {
    const t = Date.parse('2026-03-01T05:30:15.250Z');
    expect(formatHeatDate(t, '-06:00')).toBe('2026-02-28T23:30:15-06:00');
    expect(formatHeatDate(t, '+05:30', 'millisecond')).toBe('2026-03-01T11:00:15.250+05:30');
    expect(formatHeatDate(t, 'Z')).toBe('2026-03-01T05:30:15Z');
    expect(() => formatHeatDate(t, 'CST')).toThrow(/tenantOffset 'CST'/);
  });
});
