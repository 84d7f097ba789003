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

describe('the model line of a journal note', () => {
  const model = {
    version: 'm-1',
    top: [
      { category: 'hardware' as const, probability: 0.9714 },
      { category: 'software_access' as const, probability: 0.02 },
    ],
    gradebookProbability: 0.004,
    strongest: [
      { feature: 'w:printer', weight: 1.2 },
      { feature: 'b:printer_jammed', weight: 0.9 },
      { feature: 'c:<pri', weight: 0.5 },
      { feature: 'v:Category=[Printer]', weight: 0.4 },
    ],
  };

  it('gives the top probability, who decided and the strongest features as words, before the marker', () => {
    const note = renderNote('{category} went to {team}', {
      ...values,
      school: null,
      model,
      decidedBy: 'model',
    });
    expect(note.body.split('\n')).toEqual([
      'Gradebook went to District Help Desk',
      '',
      'Policy: SBT scope policy version abc123; rule R-07; category gradebook.',
      'Model: hardware 97.1%, decided by the model; strongest features: printer, printer jammed, <pri, Category=(Printer).',
      noteMarker('0123456789ab'),
    ]);
    expect(noteHasMarker(note.body, '0123456789ab')).toBe(true);
  });

  it('names the rules or the guard when they decided, and says so when no feature stood out', () => {
    const byRules = renderNote('x', {
      ...values,
      school: null,
      model: { ...model, strongest: [] },
      decidedBy: 'rules',
    });
    expect(byRules.body.split('\n')[3]).toBe(
      'Model: hardware 97.1%, decided by the rules; strongest features: none.',
    );
    const byGuard = renderNote('x', { ...values, school: null, model, decidedBy: 'guard' });
    expect(byGuard.body.split('\n')[3]).toMatch(/^Model: hardware 97\.1%, decided by the gradebook guard; /);
  });

  it('has no model line when the policy has no model', () => {
    const note = renderNote('x', { ...values, school: null });
    expect(note.body.split('\n')).toEqual([
      'x',
      '',
      'Policy: SBT scope policy version abc123; rule R-07; category gradebook.',
      noteMarker('0123456789ab'),
    ]);
  });
});
