import { readJsonl } from '../../support/jsonl.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { classifyTicket, compilePolicy } from '../../../src/classify/index.js';

const cfg = loadConfig({ dir: 'config', env: {} });
const policy = compilePolicy(cfg.routing, cfg.policyVersion, { file: 'config/routing.yaml' });
const rows = readJsonl<{ RecId: string; Subject: string; Symptom: string; expect: string[] }>(
  'test/fixtures/classify/fine-lines.jsonl',
);

describe('the default policy on the fine lines of the briefing', () => {
  it.each(rows.map((r) => [`${r.RecId} ${r.Subject}`, r] as const))('%s', (_name, row) => {
    const decision = classifyTicket(row, policy);
    expect(row.expect, JSON.stringify(decision.reasons)).toContain(decision.category);
  });

  it('files a phone under Hardware as telephone: the requester category is a weak signal', () => {
    const d = classifyTicket(
      {
        RecId: 'x',
        Category: 'Hardware',
        Subject: 'Handset cord',
        Symptom: 'The cord of my desk phone is broken.',
      },
      policy,
    );
    expect(d.category).toBe('telephone');
    expect(d.runnerUp?.category).toBe('hardware');
  });

  it('ignores a phone number in an e-mail signature', () => {
    const d = classifyTicket(
      {
        RecId: 'x',
        Subject: 'Laptop will not charge',
        Symptom:
          'My laptop charger stopped working.\n\nMaria Lopez\nAssistant Principal\nPhone: (555) 201-3344\nExt. 2231\nFax: 555-201-3345',
      },
      policy,
    );
    expect(d.category).toBe('hardware');
    expect(d.reasons.map((r) => r.category)).not.toContain('telephone');
  });

  it('does not let a confidentiality disclaimer about student records make a ticket gradebook or application work', () => {
    const d = classifyTicket(
      {
        RecId: 'x',
        Subject: 'Projector',
        Symptom:
          '<p>The projector in room 5 has no signal.</p><p>CONFIDENTIALITY NOTICE: This e-mail may contain student records and grades protected by FERPA. If you are not the intended recipient, delete it.</p>',
      },
      policy,
    );
    expect(d.category).toBe('hardware');
    expect(d.reasons.length).toBeGreaterThan(0);
    expect(new Set(d.reasons.map((r) => r.category))).toEqual(new Set(['hardware']));
  });

  it('reads only the new message of a reply, not the quoted thread', () => {
    const d = classifyTicket(
      {
        RecId: 'x',
        Subject: 'RE: ticket',
        Symptom:
          'The printer is still jammed.\n\nOn Mon, Mar 3, 2025 at 9:14 AM Help Desk <hd@district.org> wrote:\n> Can you update the grades on the website?',
      },
      policy,
    );
    expect(d.category).toBe('hardware');
  });

  it('ignores "Sent from my iPhone" (a phone word that is not a telephone ticket)', () => {
    const d = classifyTicket(
      {
        RecId: 'x',
        Subject: 'Chromebook cracked screen',
        Symptom: 'Student chromebook screen is cracked.\n\nSent from my iPhone',
      },
      policy,
    );
    expect(d.category).toBe('hardware');
  });
});
