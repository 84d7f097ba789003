import type { HeatRecord } from './heat-record.js';
import type { IntentLabel } from './intent-labels.js';
import { createRng, type Rng } from './create-rng.js';
import {
  blankRecord,
  buildEntitySchemas,
  type EntitySetDef,
  type FieldDef,
  type ValidationListName,
} from './entity-schemas.js';
import { UNSET_HEAT_DATE, formatHeatDate, parseOffsetMinutes } from './format-heat-date.js';
import { generateTicketDraft, type TicketDraft } from './generate-ticket.js';
import { HeatError, badRequest } from './heat-error.js';
import { employeeFields, seedPeople, type SeedPeople } from './seed-people.js';
import { TICKET_TEMPLATES } from './ticket-templates.js';
import {
  INTENT_TEAMS,
  closedOwnership,
  routedBeforeOverride,
  validateHistory,
  type HistoryOptions,
} from './plan-history.js';
import type { TruthEntry } from './simulator-types.js';

export interface TenantStoreOptions {
  seed: number;
  tickets: number;
  keyAccount: string;
  tenantOffset: string;
  timestampPrecision: 'second' | 'millisecond';
  now: () => Date;
  customFields: { incidents: readonly string[]; organizationalunits: readonly string[] };
  /** true: checked on every incident save; 'on-status-change': only when a write sets Status. */
  enforceRequiredFields: boolean | 'on-status-change';
  /** Closed history and people's overrides (off by default: the default tenant stays as it is). */
  history?: HistoryOptions;
}

export type IncidentChange = 'create' | 'update';

export interface TenantStore {
  readonly schemas: Map<string, EntitySetDef>;
  /** Live records of a set, in creation order (do not mutate). */
  records(set: string): readonly HeatRecord[];
  find(set: string, recId: string): HeatRecord | undefined;
  create(set: string, body: unknown, actor: string): HeatRecord;
  update(set: string, recId: string, body: unknown, actor: string): HeatRecord;
  /**
   * A workflow's save after an API write: only LastModBy/LastModDateTime change; fires outbound rules like any
   * update. Returns the record, or undefined when it no longer exists.
   */
  restamp(set: string, recId: string, login: string): HeatRecord | undefined;
  /** Links or unlinks a journal note to an incident (the `$Ref` of IncidentContainsJournal). */
  linkNote(incidentRecId: string, noteRecId: string, link: boolean): void;
  /** New self-service tickets (Status Logged, intake team), each recorded in the truth table. */
  createSelfServiceTickets(count: number): HeatRecord[];
  /** A self-service ticket from given fields; `expect` (if any) goes to the truth table, never into HEAT. */
  createSelfServiceTicket(fields: Record<string, unknown>, expect?: string[]): HeatRecord;
  truth(): TruthEntry[];
  /** Called after every incident create/update (for outbound rules). */
  onIncidentChange: ((change: IncidentChange, record: HeatRecord) => void) | null;
}

const STATUS_VALUES = [
  'Logged',
  'Active',
  'Waiting for Customer',
  'Waiting for 3rd Party',
  'Waiting for Resolution',
  'Resolved',
  'Closed',
];
const STATIC_LISTS: Record<Exclude<ValidationListName, 'Owner' | 'OwnerTeam'>, readonly string[]> = {
  Status: STATUS_VALUES,
  Priority: ['1', '2', '3', '4', '5'],
  Urgency: ['Low', 'Medium', 'High'],
  Impact: ['Low', 'Medium', 'High'],
  Category: [
    'Hardware',
    'Printer',
    'Computer',
    'Projector',
    'Network',
    'Software',
    'Microsoft Office',
    'Account Access',
    'Password Reset',
    'Telephone',
    'Website',
    'Student Information System',
    'Gradebook',
    'Email',
    'Other',
  ],
  Service: [
    'Desktop Service',
    'Printing Service',
    'Classroom Technology',
    'Network Service',
    'Software Service',
    'Account Service',
    'Telephone Service',
    'Web Service',
    'Student Information Service',
    'Business Applications',
    'Email Service',
    'General Service',
  ],
  // docs/heat-api.md §7: measured Source values.
  Source: [
    'AutoTicket',
    'Chat',
    'Email',
    'Fax',
    'Instant Message',
    'Network Monitor',
    'Phone',
    'Self Service',
    'Voice Mail',
    'Walk-In',
  ],
  // docs/heat-api.md §9.4: stock journal note categories and sources.
  JournalCategory: [
    'Called Customer',
    'Customer Complaint',
    'Customer Feedback',
    'Customer Follow-up',
    'Customer Notes',
    'E-mailed Customer',
    'Left Voice Mail',
    'Memo',
    'Resolution Communication',
    'Status Update',
  ],
  JournalSource: ['E-mail', 'Other', 'Phone/Fax', 'Self Service', 'Voice Mail'],
};

interface ListRow {
  value: string;
  recId: string;
}

const DAY_MS = 86_400_000;

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

function weightedPick<T>(rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

export function createTenantStore(options: TenantStoreOptions): TenantStore {
  const schemas = buildEntitySchemas(options.customFields);
  const rng = createRng(options.seed);
  // Runtime ids and live tickets come from their own stream so that seeded data does not depend on them.
  const runtimeRng = createRng((options.seed ^ 0x5eed) + 7);
  const stamp = (ms: number): string => formatHeatDate(ms, options.tenantOffset, options.timestampPrecision);
  const seedStamp = (ms: number): string => formatHeatDate(ms, options.tenantOffset, 'second');

  const data = new Map<string, { list: HeatRecord[]; byId: Map<string, HeatRecord> }>();
  for (const name of schemas.keys()) data.set(name, { list: [], byId: new Map() });
  const truthByRecId = new Map<string, TruthEntry>();
  let nextIncidentNumber = 10001;

  const setData = (set: string): { list: HeatRecord[]; byId: Map<string, HeatRecord> } => {
    const d = data.get(set);
    if (!d) throw new Error(`unknown entity set '${set}'`);
    return d;
  };
  const schemaOf = (set: string): EntitySetDef => {
    const s = schemas.get(set);
    if (!s) throw new Error(`unknown entity set '${set}'`);
    return s;
  };
  const insert = (set: string, record: HeatRecord): void => {
    const d = setData(set);
    d.list.push(record);
    d.byId.set(String(record.RecId).toUpperCase(), record);
  };

  // ---- validation lists
  const staticLists = new Map<string, Map<string, ListRow>>();
  for (const [name, values] of Object.entries(STATIC_LISTS)) {
    staticLists.set(
      name,
      new Map(values.map((value) => [value.toLowerCase(), { value, recId: rng.recId() }])),
    );
  }
  const lookup = (list: ValidationListName, value: string): ListRow | undefined => {
    const key = value.toLowerCase();
    if (list === 'OwnerTeam') {
      const team = setData('standarduserteams').list.find((t) => String(t.Team).toLowerCase() === key);
      return team ? { value: String(team.Team), recId: String(team.RecId) } : undefined;
    }
    if (list === 'Owner') {
      const emp = employeeByLogin(key);
      return emp ? { value: String(emp.LoginID), recId: String(emp.RecId) } : undefined;
    }
    return staticLists.get(list)?.get(key);
  };
  const employeeIndex = new Map<string, HeatRecord>();
  const employeeByLogin = (loginLower: string): HeatRecord | undefined => employeeIndex.get(loginLower);
  const teamMembers = new Map<string, Set<string>>();
  const teamEmail = (team: string): string | null => {
    const t = setData('standarduserteams').list.find(
      (r) => String(r.Team).toLowerCase() === team.toLowerCase(),
    );
    return t ? (t.TeamEmail as string | null) : null;
  };

  // ---- seed: org units, teams, people
  const people: SeedPeople = seedPeople(rng, options.keyAccount);
  const seedNow = options.now().getTime();
  const seedTime = seedStamp(seedNow - 120 * DAY_MS);
  const withStamps = (set: string, fields: HeatRecord): HeatRecord => ({
    ...blankRecord(schemaOf(set), UNSET_HEAT_DATE),
    ...fields,
    CreatedBy: 'Admin',
    CreatedDateTime: seedTime,
    LastModBy: 'Admin',
    LastModDateTime: seedTime,
  });
  for (const ou of people.orgUnits) {
    insert(
      'organizationalunits',
      withStamps('organizationalunits', {
        RecId: ou.recId,
        Name: ou.name,
        DisplayName: ou.name,
        OrgUnitType: ou.type,
        ParentOrgUnit: ou.type === 'School' ? 'Maple Valley School District' : null,
        Status: 'Active',
      }),
    );
  }
  for (const team of people.teams) {
    const slug = team.name.toLowerCase().replace(/[^a-z]+/g, '');
    insert(
      'standarduserteams',
      withStamps('standarduserteams', {
        RecId: team.recId,
        Team: team.name,
        TeamEmail: `${slug}@maplevalley.k12.example`,
        Description: `${team.name} team`,
      }),
    );
  }
  for (const person of people.people) {
    const record = withStamps('employees', employeeFields(person));
    insert('employees', record);
    employeeIndex.set(person.login.toLowerCase(), record);
  }
  for (const [team, logins] of people.members) {
    teamMembers.set(team.toLowerCase(), new Set(logins.map((l) => l.toLowerCase())));
  }
  const orgUnitByName = (name: string): HeatRecord | undefined =>
    setData('organizationalunits').list.find((o) => String(o.Name).toLowerCase() === name.toLowerCase());

  // ---- writes
  const coerce = (set: EntitySetDef, field: FieldDef, value: unknown): unknown => {
    const bad = (): HeatError =>
      badRequest(
        'Invalid Request Payload',
        `The value for field ${set.businessObject}.${field.name} is not valid: ${JSON.stringify(value)}`,
      );
    if (value === undefined) return null;
    if (typeof value === 'object' && value !== null) throw bad();
    switch (field.type) {
      case 'text':
        return value === null ? null : String(value);
      case 'number': {
        if (value === null || value === '') return null;
        const n = typeof value === 'number' ? value : Number(value);
        if (typeof value === 'boolean' || Number.isNaN(n)) throw bad();
        return n;
      }
      case 'boolean':
        if (value === null) return field.custom ? null : false;
        if (value === true || value === 'true') return true;
        if (value === false || value === 'false') return false;
        throw bad();
      case 'date': {
        if (value === null || value === '') return field.custom ? null : UNSET_HEAT_DATE;
        if (typeof value !== 'string') throw bad();
        const ms = Date.parse(value);
        if (Number.isNaN(ms)) throw bad();
        // HEAT stores the instant and renders it in the tenant's offset.
        return stamp(ms);
      }
    }
  };

  /** Applies body to a copy of `current`; throws HeatError on the first problem; nothing is stored on error. */
  const applyFields = (
    set: EntitySetDef,
    current: HeatRecord,
    body: unknown,
    isCreate: boolean,
  ): { next: HeatRecord; touched: Set<string> } => {
    if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) {
      if (body === undefined || body === null || body === '')
        throw badRequest('Bad Request', 'Message body cannot be empty');
      throw badRequest(
        'Invalid Business Object.',
        `The message body must be a JSON object of ${set.businessObject} fields`,
      );
    }
    const entries = Object.entries(body as Record<string, unknown>).filter(([k]) => !k.startsWith('@odata.'));
    if (entries.length === 0) throw badRequest('Bad Request', 'Message body cannot be empty');
    const next: HeatRecord = { ...current };
    const touched = new Set<string>();
    for (const [key, value] of entries) {
      const field = set.byLowerName.get(key.toLowerCase());
      if (!field) {
        // docs/heat-api.md §10 "Key Value Pair Does Not Exist": exact text not captured; ours names the field.
        throw badRequest(
          'Invalid Business Object.',
          `Key Value Pair Does Not Exist: '${key}' is not a field of business object ${set.businessObject}`,
        );
      }
      if (field.system) continue;
      if (
        field.name.endsWith('_Valid') &&
        set.byLowerName.get(field.name.slice(0, -6).toLowerCase())?.validatedBy
      ) {
        // HEAT resolves X_Valid from the display value (docs/heat-api.md §8); a client-sent twin is not trusted.
        continue;
      }
      if (field.name === 'CreatedBy' && !isCreate) continue;
      if (field.validatedBy) {
        if (isEmpty(value)) {
          next[field.name] = '';
          next[`${field.name}_Valid`] = '';
        } else {
          if (typeof value === 'object') throw coerce(set, field, value) as never;
          const row = lookup(field.validatedBy, String(value));
          if (!row) {
            throw badRequest(
              'Bad Request',
              `'${String(value)}' is not in the validation list of validated field ${set.businessObject}.${field.name}`,
            );
          }
          next[field.name] = row.value;
          next[`${field.name}_Valid`] = row.recId;
        }
      } else {
        next[field.name] = coerce(set, field, value);
      }
      touched.add(field.name);
    }
    return { next, touched };
  };

  const deriveIncident = (
    next: HeatRecord,
    touched: Set<string>,
    actor: string,
    nowMs: number,
    isCreate: boolean,
  ): void => {
    if (touched.has('Owner') || touched.has('OwnerTeam')) {
      const owner = next.Owner;
      if (!isEmpty(owner)) {
        const team = String(next.OwnerTeam ?? '').toLowerCase();
        // Owner cascades from OwnerTeam: a login valid alone is refused under the wrong team (docs/heat-api.md §8).
        if (!teamMembers.get(team)?.has(String(owner).toLowerCase())) {
          throw badRequest(
            'Bad Request',
            `'${String(owner)}' is not in the validation list of validated field Incident.Owner`,
          );
        }
        const emp = employeeByLogin(String(owner).toLowerCase());
        next.OwnerEmail = emp ? (emp.PrimaryEmail as string) : null;
        next.OwnerType = 'Employee';
      } else {
        next.OwnerEmail = null;
      }
      next.OwnerTeamEmail = isEmpty(next.OwnerTeam) ? null : teamEmail(String(next.OwnerTeam));
    }
    if (touched.has('ProfileLink_RecID') && !isEmpty(next.ProfileLink_RecID)) {
      const emp = setData('employees').byId.get(String(next.ProfileLink_RecID).toUpperCase());
      if (!emp) {
        throw badRequest(
          'Invalid Request',
          `Record '${String(next.ProfileLink_RecID)}' cannot be found in the related business object 'Employee#'`,
        );
      }
      next.ProfileLink_RecID = emp.RecId;
      next.ProfileLink = emp.RecId;
      next.ProfileLink_Category = 'Employee';
      next.ProfileFullName = emp.DisplayName;
      next.Email = emp.PrimaryEmail;
      next.Phone = emp.Phone;
      next.LoginId = emp.LoginID;
      if (isEmpty(next.OrganizationUnitID)) next.OrganizationUnitID = emp.OrganizationUnitID;
    }
    if (
      (touched.has('OrganizationUnitID') || touched.has('ProfileLink_RecID')) &&
      !isEmpty(next.OrganizationUnitID)
    ) {
      const ou = orgUnitByName(String(next.OrganizationUnitID));
      next.OrgUnitLink_RecID = ou ? ou.RecId : null;
      next.OrgUnitLink = ou ? ou.RecId : null;
      next.OrgUnitLink_Category = ou ? 'OrganizationalUnit' : null;
    }
    if (touched.has('Status')) {
      const status = String(next.Status ?? '');
      // ReadOnly is true when Closed, yet IsInFinalState stays false even then (docs/heat-api.md §7, measured).
      next.ReadOnly = status === 'Closed';
      if (status === 'Closed' && (isCreate || next.ClosedDateTime === UNSET_HEAT_DATE)) {
        next.ClosedDateTime = stamp(nowMs);
        next.ClosedBy = actor;
        const created = Date.parse(String(next.CreatedDateTime));
        next.ClosedDuration = Number.isNaN(created) ? 0 : Math.max(0, Math.round((nowMs - created) / 1000));
      }
      if (status === 'Resolved' && next.ResolvedDateTime === UNSET_HEAT_DATE) {
        next.ResolvedDateTime = stamp(nowMs);
        next.ResolvedBy = actor;
      }
    }
    if (touched.has('Subject') || isCreate)
      next.SocialTextHeader = `Incident ${String(next.IncidentNumber)}: ${String(next.Subject ?? '')}`;
    if (
      options.enforceRequiredFields === true ||
      (options.enforceRequiredFields === 'on-status-change' && touched.has('Status'))
    ) {
      const status = String(next.Status ?? '');
      const required: string[] = [];
      if (status && status !== 'Logged') required.push('Category', 'Owner', 'OwnerTeam');
      if (status === 'Resolved' || status === 'Closed')
        required.push('CauseCode', 'Resolution', 'Symptom', 'ProfileLink_RecID');
      const missing = required.filter((f) => isEmpty(next[f]));
      if (missing.length > 0) {
        throw badRequest(
          'Bad Request',
          ...missing.map(
            (f) =>
              `Required field Incident.${f === 'ProfileLink_RecID' ? 'Customer' : f} value must be provided.`,
          ),
        );
      }
    }
  };

  const notifyIncident = (change: IncidentChange, record: HeatRecord): void => {
    store.onIncidentChange?.(change, record);
  };

  const resolveWriteSet = (set: string): EntitySetDef => {
    const def = schemas.get(set);
    if (!def) throw new HeatError(404, 'ISM_4004', 'Not Found', ['Requested resource not found']);
    return def;
  };

  const create = (set: string, body: unknown, actor: string): HeatRecord => {
    const def = resolveWriteSet(set);
    const nowMs = options.now().getTime();
    const base = blankRecord(def, UNSET_HEAT_DATE);
    let incidentNumber: number | undefined;
    if (set === 'incidents') {
      // Numbers are allocated before validation, so refused creates burn numbers (docs/heat-api.md §7, measured).
      incidentNumber = nextIncidentNumber;
      nextIncidentNumber += 1;
      base.IncidentNumber = incidentNumber;
    }
    const { next, touched } = applyFields(def, base, body, true);
    next.RecId = runtimeRng.recId();
    const now = stamp(nowMs);
    const actorEmp = employeeByLogin(actor.toLowerCase());
    if (isEmpty(next.CreatedBy)) next.CreatedBy = actor;
    next.CreatedDateTime = now;
    next.LastModBy = actor;
    next.LastModDateTime = now;
    if (set === 'incidents') {
      if (!touched.has('Status')) {
        // A create without Status was auto-advanced to Active, owned by the signed-in account (docs/heat-api.md §9.1).
        const status = lookup('Status', 'Active') as ListRow;
        next.Status = status.value;
        next.Status_Valid = status.recId;
        touched.add('Status');
        if (actorEmp && !touched.has('Owner') && !touched.has('OwnerTeam') && actorEmp.Team) {
          const team = lookup('OwnerTeam', String(actorEmp.Team));
          const owner = lookup('Owner', actor);
          if (team && owner) {
            next.OwnerTeam = team.value;
            next.OwnerTeam_Valid = team.recId;
            next.Owner = owner.value;
            next.Owner_Valid = owner.recId;
            touched.add('Owner');
            touched.add('OwnerTeam');
          }
        }
      }
      next.CreatedByType = 'Web Service';
      next.ClosedDuration = next.ClosedDuration ?? 0;
      deriveIncident(next, touched, actor, nowMs, true);
    } else if (set === 'journal__notess') {
      const parentId = next.ParentLink_RecID;
      if (!isEmpty(parentId)) {
        const parent = setData('incidents').byId.get(String(parentId).toUpperCase());
        if (!parent) {
          throw badRequest(
            'Invalid Request',
            `Record '${String(parentId)}' cannot be found in the related business object 'Incident#'`,
          );
        }
        next.ParentLink_RecID = parent.RecId;
        next.ParentLink = parent.RecId;
        next.ParentLink_Category = isEmpty(next.ParentLink_Category) ? 'Incident' : next.ParentLink_Category;
        next.ParentOwner = parent.Owner ?? null;
      }
      // The journal__notes extension sets JournalType itself and defaults Category to Memo (docs/heat-api.md §9.4).
      next.JournalType = 'Notes';
      if (isEmpty(next.Category)) {
        const memo = lookup('JournalCategory', 'Memo') as ListRow;
        next.Category = memo.value;
        next.Category_Valid = memo.recId;
      }
      next.PublishToWeb = next.PublishToWeb === true;
      next.DisplayText = `${String(next.Subject ?? '')} ${String(next.NotesBody ?? '')}`.trim();
      next.Owner = actor;
      next.OwnerTeam = actorEmp?.Team ?? null;
    } else if (set === 'employees') {
      employeeIndex.set(String(next.LoginID ?? '').toLowerCase(), next);
      if (!isEmpty(next.Team)) {
        const key = String(next.Team).toLowerCase();
        if (!teamMembers.has(key)) teamMembers.set(key, new Set());
        teamMembers.get(key)?.add(String(next.LoginID ?? '').toLowerCase());
      }
    }
    insert(set, next);
    if (set === 'incidents') notifyIncident('create', next);
    return next;
  };

  const update = (set: string, recId: string, body: unknown, actor: string): HeatRecord => {
    const def = resolveWriteSet(set);
    const current = setData(set).byId.get(recId.toUpperCase());
    if (!current) {
      throw badRequest(
        'Bad Request',
        `Record '${recId}' cannot be found in the business object '${def.businessObject}'`,
      );
    }
    const nowMs = options.now().getTime();
    const { next, touched } = applyFields(def, current, body, false);
    if (set === 'incidents') deriveIncident(next, touched, actor, nowMs, false);
    // HEAT always restamps LastModBy/LastModDateTime, also on a Closed (ReadOnly) record (docs/heat-api.md §9.2).
    next.LastModBy = actor;
    next.LastModDateTime = stamp(nowMs);
    Object.assign(current, next);
    if (set === 'incidents') notifyIncident('update', current);
    return current;
  };

  const restamp = (set: string, recId: string, login: string): HeatRecord | undefined => {
    const current = data.get(set)?.byId.get(recId.toUpperCase());
    if (!current) return undefined;
    current.LastModBy = login;
    current.LastModDateTime = stamp(options.now().getTime());
    if (set === 'incidents') notifyIncident('update', current);
    return current;
  };

  const linkNote = (incidentRecId: string, noteRecId: string, link: boolean): void => {
    const incident = setData('incidents').byId.get(incidentRecId.toUpperCase());
    if (!incident) throw badRequest('Invalid Request Payload', 'Invalid key');
    const note = setData('journal__notess').byId.get(noteRecId.toUpperCase());
    if (!note) {
      // docs/heat-api.md §9.5 (D-Link19): an unknown related id names the related business object.
      throw badRequest(
        'Invalid Request',
        `Record '${noteRecId}' cannot be found in the related business object 'Journal#'`,
      );
    }
    if (link) {
      note.ParentLink_RecID = incident.RecId;
      note.ParentLink = incident.RecId;
      note.ParentLink_Category = 'Incident';
      note.ParentOwner = incident.Owner ?? null;
    } else if (String(note.ParentLink_RecID ?? '').toUpperCase() === String(incident.RecId)) {
      // Unlinking a Contains relationship orphans the child (docs/heat-api.md §9.5, M-arch); unlinking a
      // non-link succeeds and changes nothing.
      note.ParentLink_RecID = null;
      note.ParentLink = null;
      note.ParentLink_Category = null;
      note.ParentOwner = null;
    }
  };

  // ---- seed tickets
  const seedTickets = (): void => {
    const drafts: TicketDraft[] = [];
    // Every template (all the tricky fine lines) appears at least once, then a weighted mix.
    for (const template of TICKET_TEMPLATES) {
      if (drafts.length >= options.tickets) break;
      drafts.push(generateTicketDraft(rng, people, template, true));
    }
    while (drafts.length < options.tickets) drafts.push(generateTicketDraft(rng, people));
    const offsetMs = -parseOffsetMinutes(options.tenantOffset) * 60_000;
    const localMonthStart = (monthsBack: number): number => {
      const local = new Date(seedNow - offsetMs);
      return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - monthsBack, 1) + offsetMs;
    };
    const created = drafts.map(() => {
      if (rng.chance(0.04)) {
        // A few tickets right at a month boundary (tenant local time): counts per period must split them right.
        const boundary = localMonthStart(rng.between(0, 2));
        const t = boundary + rng.pick([-90_000, -5_000, -1_000, 0, 30_000, 240_000]);
        return Math.min(t, seedNow - 60_000);
      }
      return seedNow - rng.between(10 * 60_000, 90 * DAY_MS);
    });
    const order = drafts.map((_, i) => i).sort((a, b) => (created[a] as number) - (created[b] as number));
    for (const i of order) {
      const draft = drafts[i] as TicketDraft;
      const createdMs = created[i] as number;
      const status = weightedPick(rng, [
        ['Logged', 45],
        ['Active', 33],
        ['Waiting for Customer', 5],
        ['Resolved', 9],
        ['Closed', 8],
      ] as const);
      const techs = people.techniciansBySchool.get(draft.school) ?? [];
      const withTechs = status !== 'Logged' && techs.length > 0 && rng.chance(0.25);
      const ownerTeam = withTechs ? 'School Technicians' : 'ITS Service Desk';
      const owner =
        status === 'Logged' ? null : withTechs ? rng.pick(techs).login : rng.pick(people.deskStaff).login;
      const lastModMs = Math.min(seedNow - 1000, createdMs + rng.between(0, 3 * DAY_MS));
      insertSeeded(rng, { draft, createdMs, status, ownerTeam, owner, lastModMs });
    }
  };

  /** One seeded incident as HEAT would hold it after its life so far; its intent goes to the truth table. */
  const insertSeeded = (
    r: Rng,
    s: {
      draft: TicketDraft;
      createdMs: number;
      status: string;
      ownerTeam: string;
      owner: string | null;
      lastModMs: number;
      extra?: Record<string, unknown>;
      lastModBy?: string;
      truth?: Partial<TruthEntry>;
    },
  ): void => {
    const { draft, createdMs, status, ownerTeam, owner, lastModMs } = s;
    const incidentsDef = schemaOf('incidents');
    const fields: Record<string, unknown> = { ...draft.fields, Status: status, OwnerTeam: ownerTeam };
    if (owner) fields.Owner = owner;
    if (status === 'Resolved' || status === 'Closed') {
      fields.CauseCode = r.pick(['Resolved', 'Hardware Replaced', 'User Training', 'Configuration']);
      fields.Resolution = r.pick(['Fixed on site.', 'Replaced the part.', 'Explained to the user.', 'Done.']);
    }
    for (const [k, v] of Object.entries(s.extra ?? {}))
      if (incidentsDef.byLowerName.has(k.toLowerCase())) fields[k] = v;
    const base = blankRecord(incidentsDef, UNSET_HEAT_DATE);
    base.IncidentNumber = nextIncidentNumber;
    base.CreatedDateTime = seedStamp(createdMs);
    const { next, touched } = applyFields(incidentsDef, base, fields, true);
    nextIncidentNumber += 1;
    next.RecId = r.recId();
    next.CreatedBy = draft.requester.login;
    next.CreatedByType = draft.fields.Source === 'Self Service' ? 'Self Service' : 'Web Client';
    next.ClosedDuration = 0;
    deriveIncident(next, touched, owner ?? draft.requester.login, lastModMs, true);
    next.LastModBy =
      s.lastModBy ?? (status === 'Logged' ? draft.requester.login : (owner ?? draft.requester.login));
    next.LastModDateTime = seedStamp(lastModMs);
    if (status === 'Closed') next.ClosedDateTime = seedStamp(lastModMs);
    if (status === 'Resolved') next.ResolvedDateTime = seedStamp(lastModMs);
    insert('incidents', next);
    truthByRecId.set(String(next.RecId), {
      ...s.truth,
      RecId: String(next.RecId),
      IncidentNumber: next.IncidentNumber as number,
      expect: draft.expect,
    });
  };

  /**
   * History (SimulatorOptions.history), from its own random stream so that the default tenant does not
   * change: `closed` Resolved/Closed tickets created 91-119 days ago, each finally owned by the team that
   * really does the work (INTENT_TEAMS), a share `mislabelRate` by a wrong team; and `overrides` Active
   * tickets of the last 90 days that a person moved to the right team after routing (SBT_RoutedTo the
   * team it had been routed to, SBT_Override and OwnerTeam the person's team, LastModBy that person).
   */
  const seedHistory = (history: Required<HistoryOptions>): void => {
    const h = createRng((options.seed ^ 0x41571) + 13);
    const memberOf = (team: string): string | null => {
      const logins = people.members.get(team) ?? [];
      return logins.length > 0 ? h.pick(logins) : null;
    };
    const closed = Array.from({ length: history.closed }, () => ({
      draft: generateTicketDraft(h, people),
      createdMs: seedNow - h.between(91 * DAY_MS, 119 * DAY_MS),
    })).sort((a, b) => a.createdMs - b.createdMs);
    for (const { draft, createdMs } of closed) {
      const own = closedOwnership(h, draft.expect[0] as IntentLabel, history.mislabelRate);
      const status = h.chance(0.5) ? 'Resolved' : 'Closed';
      const lastModMs = createdMs + h.between(10 * 60_000, 10 * DAY_MS);
      insertSeeded(h, {
        draft,
        createdMs,
        status,
        ownerTeam: own.finalTeam,
        owner: memberOf(own.finalTeam),
        lastModMs,
        truth: { finalTeam: own.finalTeam, mislabelled: own.mislabelled },
      });
    }
    // A person moves work to a team that owns it; vague tickets left at the desk are not overrides.
    const ownedDraft = (): TicketDraft => {
      let draft = generateTicketDraft(h, people);
      for (let i = 0; i < 50 && draft.expect[0] === 'unclassified'; i += 1)
        draft = generateTicketDraft(h, people);
      return draft;
    };
    const moved = Array.from({ length: history.overrides }, () => ({
      draft: ownedDraft(),
      createdMs: seedNow - h.between(DAY_MS, 90 * DAY_MS),
    })).sort((a, b) => a.createdMs - b.createdMs);
    for (const { draft, createdMs } of moved) {
      const right = INTENT_TEAMS[draft.expect[0] as IntentLabel];
      const routedTo = routedBeforeOverride(h, right);
      const owner = memberOf(right);
      const lastModMs = Math.min(seedNow - 1000, createdMs + h.between(10 * 60_000, 2 * DAY_MS));
      insertSeeded(h, {
        draft,
        createdMs,
        status: 'Active',
        ownerTeam: right,
        owner,
        lastModMs,
        extra: { SBT_RoutedTo: routedTo, SBT_Override: right },
        lastModBy: owner ?? draft.requester.login,
        truth: { finalTeam: right, mislabelled: false, routedTo },
      });
    }
  };

  if (options.history) seedHistory(validateHistory(options.history));
  seedTickets();

  const createSelfServiceTicket = (fields: Record<string, unknown>, expect?: string[]): HeatRecord => {
    const requesterId = fields.ProfileLink_RecID;
    const requester = isEmpty(requesterId)
      ? undefined
      : setData('employees').byId.get(String(requesterId).toUpperCase());
    const actor = requester ? String(requester.LoginID) : 'SelfService';
    const record = create(
      'incidents',
      { Status: 'Logged', OwnerTeam: 'ITS Service Desk', Source: 'Self Service', ...fields },
      actor,
    );
    record.CreatedByType = 'Self Service';
    if (expect && expect.length > 0) {
      truthByRecId.set(String(record.RecId), {
        RecId: String(record.RecId),
        IncidentNumber: record.IncidentNumber as number,
        expect: [...expect],
      });
    }
    return record;
  };

  const store: TenantStore = {
    schemas,
    records: (set) => setData(set).list,
    find: (set, recId) => data.get(set)?.byId.get(recId.toUpperCase()),
    create,
    update,
    restamp,
    linkNote,
    createSelfServiceTickets(count) {
      const out: HeatRecord[] = [];
      for (let i = 0; i < count; i += 1) {
        const draft = generateTicketDraft(runtimeRng, people);
        // The portal always files Source "Self Service".
        const fields = { ...draft.fields, Source: 'Self Service' };
        out.push(createSelfServiceTicket(fields, draft.expect as IntentLabel[]));
      }
      return out;
    },
    createSelfServiceTicket,
    truth: () => [...truthByRecId.values()].map((t) => ({ ...t, expect: [...t.expect] })),
    onIncidentChange: null,
  };
  return store;
}
