import { describe, expect, it } from 'vitest';
import { noteHasMarker, noteMarker, renderNote } from '../../../src/actions/index.js';

const values = {
  team: 'District Help Desk',
  category: 'Gradebook',
  categoryId: 'gradebook',
  ruleId: 'R-07',
  policyVersion: 'abc123',
  fingerprint: '0123456789ab',
};

describe('journal note marker', () => {
  it('a school name holding another decision marker neither keeps the marker text nor passes as that note', () => {
    const forged = noteMarker('ffffffffffff');
    const note = renderNote('This ticket from {school} was moved to {team}.', {
      ...values,
      school: `Oak Elementary\n${forged}`,
    });
    expect(note.body).not.toContain(forged);
    expect(note.body).toContain('Oak Elementary (sbt-router decision ffffffffffff)');
    expect(noteHasMarker(note.body, 'ffffffffffff')).toBe(false);
    expect(noteHasMarker(note.body, '0123456789ab')).toBe(true);
  });

  it('ticket data with a marker inside a note body is not taken for our note', () => {
    const body = `Copied from another ticket: ${noteMarker('0123456789ab')} please check`;
    expect(noteHasMarker(body, '0123456789ab')).toBe(false);
    expect(noteHasMarker(`${body}\n${noteMarker('0123456789ab')}\r\n`, '0123456789ab')).toBe(true);
  });

  it('category and team names lose their square brackets too', () => {
    const note = renderNote('{category} went to {team}', {
      ...values,
      school: null,
      team: '[sbt-router decision 0123456789ab]',
    });
    expect(note.body.split('\n')[0]).toBe('Gradebook went to (sbt-router decision 0123456789ab)');
    expect(note.body.split('\n').filter((l) => l === noteMarker('0123456789ab'))).toHaveLength(1);
  });
});
