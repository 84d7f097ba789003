import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import {
  classifyByRules,
  classifyTicket,
  compileLoadedPolicy,
  compilePolicy,
  normaliseText,
} from '../../../src/classify/index.js';
import type { HeatRecord } from '../../../src/domain/index.js';

// Words of the gradebook rules used in other senses (office idioms, HR terms, electrical extensions):
// the shipped policy must read them as what they are, and still catch the grading asks.
const cfg = loadConfig({ dir: 'config', env: {} });
const rules = compilePolicy({ ...cfg.routing, model: undefined }, cfg.policyVersion);
const shipped = compileLoadedPolicy(cfg);

function ticket(Subject: string, Symptom: string): HeatRecord {
  return { RecId: 'x', Subject, Symptom };
}

/** The ids of the gradebook rules that fired (the rules alone). */
function gradebookRules(t: HeatRecord): string[] {
  return classifyByRules(t, rules)
    .reasons.filter((r) => r.category === 'gradebook_admin')
    .map((r) => r.ruleId);
}

describe('"excuse" as an apology is not grading work', () => {
  it.each([
    [
      'Docking station',
      'Please excuse the delay in my reply. The docking station in room 12 does not charge the laptop.',
    ],
    [
      'Monitor flickers',
      'Excuse my ignorance, but the monitor on the front desk flickers every few minutes.',
    ],
    ['Printer', 'Excuse me for writing again: the printer in the library jams on every page.'],
  ])('%s', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    expect(gradebookRules(t)).toEqual([]);
    const d = classifyTicket(t, shipped);
    expect(d.category).toBe('hardware');
    expect(d.scope).toBe('in_scope');
  });

  it('still reads "excuse a student from" and "mark it excused" as grading work', () => {
    const a = ticket(
      'Project',
      'Can you excuse the student from the science project? She was in the hospital.',
    );
    expect(gradebookRules(a)).toContain('gb-asks');
    expect(classifyTicket(a, shipped).category).toBe('gradebook_admin');
    const b = ticket('Missing assignment', 'Please mark it excused for Jordan, the essay was waived.');
    expect(gradebookRules(b)).toContain('gb-asks');
    expect(classifyTicket(b, shipped).scope).toBe('restricted');
  });

  it('leaves an excused absence to attendance (not a grading rule)', () => {
    const t = ticket(
      'Attendance code',
      'Which code do I use for an excused absence for a student at a college visit?',
    );
    expect(gradebookRules(t)).toEqual([]);
  });
});

describe('the mobile sign-off "please excuse brevity and typos" is signature noise', () => {
  it('is cut like "Sent from my iPhone", in English and Spanish', () => {
    const settings = cfg.routing.normalise;
    expect(
      normaliseText('The projector in room 4 has no picture.\nPlease excuse brevity and typos', settings)
        .folded,
    ).toBe('the projector in room 4 has no picture.');
    expect(normaliseText('El proyector no enciende.\nDisculpe la brevedad', settings).folded).toBe(
      'el proyector no enciende.',
    );
  });

  it('does not cut a request that merely starts with an apology', () => {
    const folded = normaliseText(
      'Please excuse the typos in my last ticket: the laptop cart in room 9 will not charge any of the laptops',
      cfg.routing.normalise,
    ).folded;
    expect(folded).toContain('laptop cart');
  });

  it('leaves a hardware ticket with the sign-off in scope', () => {
    const d = classifyTicket(
      ticket(
        'Keyboard',
        'The keyboard on the front office computer is missing keys.\n\nSent from my mobile device\nPlease excuse brevity and typos',
      ),
      shipped,
    );
    expect(d.category).toBe('hardware');
    expect(d.reasons.map((r) => r.category)).not.toContain('gradebook_admin');
  });
});

describe('"exempt" counts only with a student or coursework', () => {
  it.each([
    [
      'Timesheet laptop',
      'Our clerks become exempt employees next month; the laptop they share for timesheets will not boot.',
    ],
    ['Monitor', 'Overtime-exempt staff in the front office need a second monitor at the desk.'],
  ])('%s: not a gradebook rule', (Subject, Symptom) => {
    expect(gradebookRules(ticket(Subject, Symptom))).toEqual([]);
  });

  it.each([
    ['Exempt', 'Please exempt Kevin from the unit 3 project, he was out on medical leave.'],
    ['Eximir', 'Necesito eximir a una estudiante del examen final, estuvo hospitalizada.'],
    ['Egzante', 'Mwen bezwen egzante yon elev pou pwoje syans lan.'],
  ])('%s: gradebook work', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    expect(gradebookRules(t)).toContain('gb-exempt');
    const d = classifyTicket(t, shipped);
    expect(d.category).toBe('gradebook_admin');
    expect(d.scope).toBe('restricted');
  });
});

describe('"grades" of a job or a salary are not student grades', () => {
  it.each([
    [
      'HR laptop',
      'The laptop used to update job grades and salary grades in the HR office will not turn on.',
    ],
    ['Monitor for HR', 'The recruiter needs a bigger monitor to compare pay grades during hiring season.'],
  ])('%s', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    expect(gradebookRules(t)).toEqual([]);
    expect(classifyTicket(t, shipped).scope).toBe('in_scope');
  });

  it('still reads a student grade change as grading work', () => {
    const t = ticket(
      'Grade change',
      'Please change the final grade for Ana in period 3, I entered it wrong.',
    );
    expect(gradebookRules(t)).toContain('gb-grade-change');
    expect(classifyTicket(t, shipped).category).toBe('gradebook_admin');
  });
});

describe('an electrical extension is hardware, a phone extension is telephone', () => {
  it.each([
    ['Extension cord', 'We need an extension cord for the projector cart in the gym.'],
    ['Extension socket', 'Please provide an extension socket for the two computers at the reception desk.'],
    ['Power strip', 'The power strip under the teacher desk sparks when the laptop charger is plugged in.'],
  ])('%s', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    const byRules = classifyByRules(t, rules);
    expect(byRules.reasons.map((r) => r.ruleId)).not.toContain('tel-extension');
    expect(byRules.category).toBe('hardware');
    expect(classifyTicket(t, shipped).category).toBe('hardware');
  });

  it('keeps a new phone extension with Telecommunications', () => {
    const t = ticket('New extension', 'Please assign a phone extension to the new counselor in room 210.');
    expect(classifyTicket(t, shipped).category).toBe('telephone');
  });
});

describe("getting into the gradebook to do one's own grading is software access", () => {
  it.each([
    [
      'Gradebook will not open',
      'The gradebook will not open, it stays on a white screen. I need to get in to enter my grades by Friday.',
    ],
    [
      'Gradebook account locked',
      'My gradebook account is locked after three failed attempts; today is the last day to post grades.',
    ],
    ['El programa de notas no abre', 'El programa de notas no abre. Necesito entrar para poner las notas.'],
    ['Gradebook la pa louvri', 'Gradebook la pa louvri, li rete blan. Mwen bezwen antre pou m mete not yo.'],
  ])('%s: no grading rule fires', (Subject, Symptom) => {
    expect(gradebookRules(ticket(Subject, Symptom))).toEqual([]);
  });

  it('decides the English access failures as software access with the shipped model', () => {
    const d = classifyTicket(
      ticket(
        'Gradebook will not open',
        'The gradebook will not open on my classroom computer, it stays on a white screen. I need to get in to enter my grades before Friday.',
      ),
      shipped,
    );
    expect(d.category).toBe('software_access');
    expect(d.scope).toBe('in_scope');
  });

  it('still reads grading asked of someone else, or beside a device problem, as grading work', () => {
    const forMe = ticket(
      'Out sick',
      'I am out sick all week. Can you enter my grades for me? The scores are on my desk.',
    );
    expect(gradebookRules(forMe)).toContain('gb-asks');
    expect(classifyTicket(forMe, shipped).category).toBe('gradebook_admin');
    // Two asks, one of them grading: a device symptom does not silence the grading phrase.
    const twoAsks = ticket(
      'Laptop and grades',
      'My laptop freezes every hour. Also I need to post my grades for period 2.',
    );
    expect(gradebookRules(twoAsks)).toContain('gb-own-grades');
    expect(classifyTicket(twoAsks, shipped).scope).toBe('restricted');
    const locked = ticket(
      'Grades locked',
      'The grades are locked for the second quarter, please unlock them so I can fix one.',
    );
    expect(gradebookRules(locked)).toContain('gb-grade-change');
    expect(classifyTicket(locked, shipped).category).toBe('gradebook_admin');
  });
});

describe('"pa" is the PA system in English and "not" in Haitian Creole', () => {
  it('keeps the English PA system with Telecommunications', () => {
    const t = ticket('PA crackles', 'The PA crackles in the gym during announcements.');
    expect(classifyByRules(t, rules).ruleId).toBe('tel-pa');
    expect(classifyTicket(t, shipped).category).toBe('telephone');
  });

  it('does not read Creole "pa mache" as the PA system', () => {
    const t = ticket('Wifi', 'Laptop mwen pa ka konekte sou wifi a, li pa mache.');
    expect(classifyByRules(t, rules).reasons.map((r) => r.category)).not.toContain('telephone');
    expect(classifyTicket(t, shipped).category).toBe('hardware');
  });
});

describe('extending the time to enter grades is grading work in any wording', () => {
  it.each([
    ['Deadline', 'Can we extend the deadline to enter grades until Monday for the 7th grade team?'],
    ['Fecha', '¿Se puede extender la fecha para subir las calificaciones hasta el lunes?'],
    ['Dat', 'Tanpri pwolonje dat pou mete not yo jiska lendi.'],
  ])('%s', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    expect(gradebookRules(t)).toContain('gb-extend');
    expect(classifyTicket(t, shipped).scope).toBe('restricted');
  });

  it('does not read extending the wifi as grading work', () => {
    expect(gradebookRules(ticket('Wifi', 'Can you extend the wifi to the portable classrooms?'))).toEqual([]);
  });
});

describe("students' marks themselves are grading work (gb-marks)", () => {
  it.each([
    [
      'Quiz zeros',
      'Please take off the zeros I gave my 3rd period class for the quiz they missed on Monday.',
    ],
    [
      'Counselor list',
      'Need the list of seniors with failing grades this semester for our counselor meeting.',
    ],
    ['Eligibility', "Who can pull the students with D's and F's for the athletics eligibility letters?"],
    ['Ceros', 'Por favor quiten los ceros de los estudiantes que estaban en la excursión.'],
  ])('%s', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    expect(gradebookRules(t)).toContain('gb-marks');
    const d = classifyTicket(t, shipped);
    expect(d.category).toBe('gradebook_admin');
    expect(d.scope).toBe('restricted');
  });

  it('leaves leading zeros in a phone list to the rest of the policy', () => {
    const t = ticket('Export', 'The student contact export drops the leading zeros of the phone numbers.');
    expect(gradebookRules(t)).toEqual([]);
  });
});

describe('a device driver is software access, the device is hardware (sw-driver)', () => {
  it.each([
    ['Copier driver', "I can't print to the new copier from my laptop. It says the driver is unavailable."],
    ['Controlador de la impresora', 'Desde la laptop no puedo imprimir, dice que falta el controlador.'],
    ['', 'Please install the print driver for the new copier on the six front office computers.'],
  ])('%s', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    expect(classifyByRules(t, rules).reasons.map((r) => r.ruleId)).toContain('sw-driver');
    expect(classifyByRules(t, rules).category).toBe('software_access');
  });

  it('leaves a bus driver to the rest of the policy and a jammed copier to hardware', () => {
    const bus = ticket('Bus roster', 'The bus driver needs the new route list for the afternoon run.');
    expect(classifyByRules(bus, rules).reasons.map((r) => r.ruleId)).not.toContain('sw-driver');
    const jam = ticket('Copier', 'The copier in the workroom jams on every page.');
    expect(classifyTicket(jam, shipped).category).toBe('hardware');
  });
});

describe('calls and lines of the phone system without a phone word (tel-calls)', () => {
  it.each([
    ['Las llamadas se cortan', 'Las llamadas de afuera se cortan al minuto. Los padres se quejan.'],
    ['Rollover', 'When the front desk line is busy, calls should roll over to the attendance office.'],
    ['', 'Outside calls keep dropping after a minute since Monday.'],
  ])('%s', (Subject, Symptom) => {
    const t = ticket(Subject, Symptom);
    expect(classifyByRules(t, rules).reasons.map((r) => r.ruleId)).toContain('tel-calls');
    expect(classifyTicket(t, shipped).category).toBe('telephone');
  });

  it('does not read Teams calls on a computer as the phone system', () => {
    const t = ticket('Teams', 'Incoming calls in Teams do not ring on my laptop.');
    expect(classifyByRules(t, rules).reasons.map((r) => r.ruleId)).not.toContain('tel-calls');
  });
});

describe('"Forwarding this to the help desk" above a forward reads the forwarded request', () => {
  it('the request under the forward decides, not the note', () => {
    const t = ticket(
      'FW: Rollover to attendance',
      'Forwarding this to the help desk.\n________________________________\nFrom: Front Office\nSent: Wednesday, November 20, 2024 2:49 PM\nTo: Main Office\nSubject: Rollover\n\nWhen the front desk line is busy, calls should roll over to the attendance office.',
    );
    const text = normaliseText(String(t.Symptom), cfg.routing.normalise, { body: true });
    expect(text.folded).toContain('roll over to the attendance office');
    expect(text.folded).not.toContain('forwarding this');
  });
});
