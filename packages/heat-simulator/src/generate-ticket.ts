import type { IntentLabel } from './intent-labels.js';
import type { Rng } from './create-rng.js';
import { EMAIL_DOMAIN, SCHOOL_NAMES, type Person, type SeedPeople } from './seed-people.js';
import { CATEGORY_WEIGHTS, TICKET_TEMPLATES, type TicketTemplate } from './ticket-templates.js';

/** A new ticket as the self-service portal would submit it, plus the generator's intent (never stored in HEAT). */
export interface TicketDraft {
  fields: Record<string, unknown>;
  expect: IntentLabel[];
  requester: Person;
  school: string;
  templateId: string;
}

const ROOMS = [
  'Room {roomNo}',
  'rm {roomNo}',
  'room {roomNo}',
  'the library',
  'the computer lab',
  'Lab B',
  'the front office',
  'portable {n}',
  'the gym',
];
const DEVICES = [
  'my laptop',
  'the Chromebook',
  'my Dell laptop',
  'the teacher desktop',
  'the HP ProBook',
  'a student laptop',
];
const PRINTERS = ['HP LaserJet', 'Xerox copier', 'Brother printer', 'color printer', 'library printer'];
const APPS = [
  'Adobe Acrobat',
  'Google Chrome',
  'SMART Notebook',
  'Lexia',
  'Zoom',
  'Read&Write',
  'Minecraft Education',
  'GeoGebra',
  'Audacity',
  'Microsoft Teams',
];
const BIZAPPS = ['Skyward', 'PowerSchool', 'Infinite Campus', 'the student information system', 'Synergy'];
const EVENTS = [
  'open house',
  'back to school night',
  'science fair',
  'spring concert',
  'book fair',
  'parent conferences',
];
const WEBPAGES = [
  'athletics page',
  'staff directory',
  'counseling page',
  'bell schedule page',
  'enrollment page',
];
const PERIODS = ['Q1', 'Q2', 'Q3', 'Semester 1', 'second quarter', 'the first trimester'];
const GRADES = ['3rd grade', '5th period', '6th grade math', 'Algebra I', 'English 10'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'September',
  'October',
  'November',
  'December',
];

const GREETINGS = ['Hi,', 'Hello IT,', 'Good morning,', 'Hi there,', '', ''];
const EXTRAS = [
  'Thanks for your help.',
  'This is urgent, I have a class at 10.',
  'It has been like this since Monday.',
  '',
  '',
  '',
];
const CLOSINGS = ['Thanks,', 'Thank you!', 'Thank you,', ''];
const DISCLAIMER =
  'CONFIDENTIALITY NOTICE: This e-mail and any attachments may contain confidential student records protected by FERPA. ' +
  'If you are not the intended recipient, please notify the sender and delete this message.';
const SOURCES: Array<[string, number]> = [
  ['Self Service', 75],
  ['Email', 12],
  ['Phone', 8],
  ['Walk-In', 5],
];
const LEVELS: Array<[string, number]> = [
  ['Low', 45],
  ['Medium', 40],
  ['High', 15],
];

function weighted<T>(rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = rng.next() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

/** HEAT's Priority follows Urgency x Impact (docs/heat-api.md §7). */
export function priorityFor(urgency: string, impact: string): string {
  const score = (v: string): number => (v === 'High' ? 2 : v === 'Medium' ? 1 : 0);
  return String(5 - (score(urgency) + score(impact)));
}

function fill(text: string, rng: Rng): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    switch (key) {
      case 'room':
        return fill(rng.pick(ROOMS), rng);
      case 'roomNo':
        return String(rng.chance(0.5) ? rng.between(1, 40) : rng.between(100, 250));
      case 'n':
        return String(rng.between(2, 12));
      case 'device':
        return rng.pick(DEVICES);
      case 'printer':
        return rng.pick(PRINTERS);
      case 'app':
        return rng.pick(APPS);
      case 'bizapp':
        return rng.pick(BIZAPPS);
      case 'event':
        return rng.pick(EVENTS);
      case 'webpage':
        return rng.pick(WEBPAGES);
      case 'period':
        return rng.pick(PERIODS);
      case 'grade':
        return rng.pick(GRADES);
      case 'date':
        return `${rng.pick(MONTHS)} ${rng.between(1, 28)}`;
      case 'ext':
        return String(rng.between(2000, 6999));
      case 'phone':
        return `(208) 555-01${String(rng.int(100)).padStart(2, '0')}`;
      default:
        return whole;
    }
  });
}

/** Requesters type fast: some subjects arrive lowercased, shouting, or with two letters swapped. */
function roughen(subject: string, rng: Rng): string {
  const roll = rng.next();
  if (roll < 0.12) return subject.toLowerCase();
  if (roll < 0.16) return subject.toUpperCase();
  if (roll < 0.26) {
    const words = subject.split(' ');
    const candidates = words.map((w, i) => (/^[a-z]{5,}$/i.test(w) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return subject;
    const i = rng.pick(candidates);
    const w = words[i] as string;
    const at = rng.between(1, w.length - 3);
    words[i] = w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2);
    return words.join(' ');
  }
  return subject;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');

function composeBody(template: TicketTemplate, requester: Person, school: string, rng: Rng): string {
  const spanish = template.spanish === true;
  const main = fill(rng.pick(template.bodies), rng);
  const paragraphs: string[][] = [];
  const greeting = spanish ? rng.pick(['Hola,', 'Buenos días,', '']) : rng.pick(GREETINGS);
  if (greeting) paragraphs.push([greeting]);
  if (main) paragraphs.push([main]);
  const extra = spanish ? '' : rng.pick(EXTRAS);
  if (extra) paragraphs.push([extra]);
  const iphone = rng.chance(0.12);
  if (!iphone || template.phoneSignature) {
    const closing = spanish ? 'Gracias,' : rng.pick(CLOSINGS);
    const signature = [closing, requester.displayName, `${requester.title}, ${school}`].filter(Boolean);
    if (template.phoneSignature || rng.chance(0.5)) {
      signature.push(`Phone: ${requester.phone} | Ext. ${rng.between(2000, 6999)}`);
    }
    paragraphs.push(signature);
  }
  if (iphone) paragraphs.push(['Sent from my iPhone']);
  if (rng.chance(0.12)) {
    paragraphs.push([
      `On ${rng.pick(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])}, ${rng.pick(MONTHS).slice(0, 3)} ${rng.between(1, 28)}, 2026 at ${rng.between(7, 11)}:${String(rng.int(60)).padStart(2, '0')} AM ITS Service Desk <servicedesk@${EMAIL_DOMAIN}> wrote:`,
      '> We received your request. Please reply with your room number and a good time to visit.',
      '> Thank you,',
      '> ITS Service Desk',
    ]);
  }
  if (rng.chance(0.2)) paragraphs.push([DISCLAIMER]);

  // A share of Symptom bodies is HTML as HEAT stores e-mail and rich-text input.
  if (rng.chance(0.4)) {
    const tag = rng.pick(['p', 'div']);
    const nbsp = rng.chance(0.5);
    return paragraphs
      .map((lines) => {
        const inner = lines.map((l) => escapeHtml(l) + (nbsp ? '&nbsp;' : '')).join('<br>');
        return `<${tag}>${inner}</${tag}>`;
      })
      .join(rng.chance(0.5) ? '\n' : '');
  }
  return paragraphs.map((lines) => lines.join('\n')).join('\n\n');
}

function templateFor(rng: Rng): TicketTemplate {
  const category = weighted(rng, Object.entries(CATEGORY_WEIGHTS) as Array<[IntentLabel, number]>);
  const candidates = TICKET_TEMPLATES.filter((t) => t.expect[0] === category);
  return weighted(
    rng,
    candidates.map((t) => [t, t.weight ?? 1] as const),
  );
}

/**
 * One realistic school ticket. With `template` given it uses that pattern; otherwise a weighted random one.
 * `canonical` uses the template's first subject as written (so that every fine line appears verbatim once).
 */
export function generateTicketDraft(
  rng: Rng,
  people: SeedPeople,
  template?: TicketTemplate,
  canonical = false,
): TicketDraft {
  const chosen = template ?? templateFor(rng);
  const school = rng.pick(SCHOOL_NAMES);
  const requester = rng.pick(people.requestersBySchool.get(school) ?? []);
  const subject = canonical
    ? fill(chosen.subjects[0] as string, rng)
    : roughen(fill(rng.pick(chosen.subjects), rng), rng);
  const urgency = weighted(rng, LEVELS);
  const impact = weighted(rng, LEVELS);
  const failure = ['hardware', 'telephone', 'unclassified'].includes(chosen.expect[0] as string);
  return {
    fields: {
      Subject: subject,
      Symptom: composeBody(chosen, requester, school, rng),
      Category: rng.pick(chosen.categories),
      Service: chosen.service,
      Source: weighted(rng, SOURCES),
      Urgency: urgency,
      Impact: impact,
      Priority: priorityFor(urgency, impact),
      TypeOfIncident: failure ? 'Failure' : 'Request',
      ProfileLink_RecID: requester.recId,
      OrganizationUnitID: school,
    },
    expect: [...chosen.expect],
    requester,
    school,
    templateId: chosen.id,
  };
}
