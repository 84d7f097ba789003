/** The type of a field, as far as $filter, $orderby and writes care. */
export type FieldType = 'text' | 'number' | 'boolean' | 'date';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** Validated (picklist) field: the list it is checked against; its twin `${name}_Valid` holds the row's RecId. */
  validatedBy?: ValidationListName;
  /** A tenant custom field: empty (null) until someone writes it. */
  custom?: boolean;
  /** Stamped by the server; a value sent by a client is ignored (docs/heat-api.md §9.2: LastModBy is always restamped). */
  system?: boolean;
}

export type ValidationListName =
  | 'Status'
  | 'Priority'
  | 'Urgency'
  | 'Impact'
  | 'Category'
  | 'Service'
  | 'Source'
  | 'OwnerTeam'
  | 'Owner'
  | 'JournalCategory'
  | 'JournalSource';

export interface EntitySetDef {
  /** Canonical (lowercase) entity-set name, as used in @odata.context. */
  name: string;
  /** Business-object name used in HEAT's error messages ("... in the business object 'Incident'"). */
  businessObject: string;
  fields: FieldDef[];
  /** Lowercase field name -> definition (field names are matched case-insensitively). */
  byLowerName: Map<string, FieldDef>;
}

export const DEFAULT_INCIDENT_CUSTOM_FIELDS: readonly string[] = [
  'SBT_Scope',
  'SBT_Category',
  'SBT_RuleId',
  'SBT_Confidence',
  'SBT_PolicyVersion',
  'SBT_ClassifiedDateTime',
  'SBT_Restricted',
  'SBT_DecisionHash',
  'SBT_Override',
  'SBT_RoutedTo',
];

export const DEFAULT_ORGUNIT_CUSTOM_FIELDS: readonly string[] = [
  'SBT_InScopeCount',
  'SBT_OutOfScopeCount',
  'SBT_RestrictedCount',
  'SBT_ReviewCount',
  'SBT_Count_hardware',
  'SBT_Count_software_access',
  'SBT_Count_telephone',
  'SBT_Count_website',
  'SBT_Count_office_development',
  'SBT_Count_application_support',
  'SBT_Count_gradebook_admin',
  'SBT_Count_unclassified',
  'SBT_OutOfScopeShare',
  'SBT_CountPeriod',
  'SBT_CountsUpdated',
];

/** Custom fields are typed by naming convention, as the tenant admin would have created them. */
export function customFieldType(name: string): FieldType {
  if (/DateTime$|Updated$/.test(name)) return 'date';
  if (name === 'SBT_Restricted') return 'boolean';
  if (/Count$|^SBT_Count_|Share$|Confidence$/.test(name)) return 'number';
  return 'text';
}

const text = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type: 'text', ...extra });
const num = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type: 'number', ...extra });
const bool = (name: string): FieldDef => ({ name, type: 'boolean' });
const date = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type: 'date', ...extra });
const customField = (name: string): FieldDef => ({ name, type: customFieldType(name), custom: true });
const validated = (name: string, list: ValidationListName): FieldDef[] => [
  text(name, { validatedBy: list }),
  text(`${name}_Valid`),
];

const STAMPS: FieldDef[] = [
  text('CreatedBy'),
  date('CreatedDateTime', { system: true }),
  text('LastModBy', { system: true }),
  date('LastModDateTime', { system: true }),
];

/** Standard incident fields of docs/heat-api.md §7 and §13 (a stock tenant has ~180; these are the ones that matter). */
function incidentFields(custom: readonly string[]): FieldDef[] {
  return [
    text('RecId', { system: true }),
    num('IncidentNumber', { system: true }),
    text('Subject'),
    text('Symptom'),
    ...validated('Status', 'Status'),
    ...validated('Priority', 'Priority'),
    ...validated('Urgency', 'Urgency'),
    ...validated('Impact', 'Impact'),
    ...validated('Service', 'Service'),
    ...validated('Category', 'Category'),
    text('ActualService'),
    text('ActualCategory'),
    ...validated('Source', 'Source'),
    text('TypeOfIncident'),
    ...validated('Owner', 'Owner'),
    ...validated('OwnerTeam', 'OwnerTeam'),
    text('OwnerType'),
    text('OwnerEmail'),
    text('OwnerTeamEmail'),
    text('ProfileLink'),
    text('ProfileLink_RecID'),
    text('ProfileLink_Category'),
    text('ProfileFullName'),
    text('Email'),
    text('Phone'),
    text('LoginId'),
    text('OrganizationUnitID'),
    text('OrgUnitLink'),
    text('OrgUnitLink_RecID'),
    text('OrgUnitLink_Category'),
    text('CustomerLocation'),
    text('CustomerDepartment'),
    text('CauseCode'),
    text('Resolution'),
    ...STAMPS,
    text('CreatedByType'),
    text('ResolvedBy'),
    date('ResolvedDateTime'),
    text('ClosedBy'),
    num('ClosedDuration'),
    date('ClosedDateTime'),
    bool('IsVIP'),
    bool('FirstCallResolution'),
    bool('IsNotification'),
    bool('IsWorkAround'),
    bool('IsInFinalState'),
    bool('ReadOnly'),
    bool('IsNewRecord'),
    bool('IsUnRead'),
    text('SocialTextHeader'),
    num('Cost'),
    text('Cost_Currency'),
    text('EntityLink_RecID'),
    text('EntityLink_Category'),
    ...custom.map(customField),
  ];
}

function journalNoteFields(): FieldDef[] {
  return [
    text('RecId', { system: true }),
    text('Subject'),
    text('NotesBody'),
    ...validated('Category', 'JournalCategory'),
    ...validated('Source', 'JournalSource'),
    text('JournalType'),
    text('DisplayText'),
    bool('PublishToWeb'),
    text('ParentLink'),
    text('ParentLink_RecID'),
    text('ParentLink_Category'),
    text('ParentOwner'),
    text('Owner'),
    text('OwnerTeam'),
    text('AttachmentName'),
    bool('ReadOnly'),
    ...STAMPS,
  ];
}

function orgUnitFields(custom: readonly string[]): FieldDef[] {
  return [
    text('RecId', { system: true }),
    text('Name'),
    text('DisplayName'),
    text('OrgUnitType'),
    text('ParentOrgUnit'),
    text('Phone'),
    text('Status'),
    ...STAMPS,
    ...custom.map(customField),
  ];
}

function teamFields(): FieldDef[] {
  return [text('RecId', { system: true }), text('Team'), text('TeamEmail'), text('Description'), ...STAMPS];
}

function employeeFields(): FieldDef[] {
  return [
    text('RecId', { system: true }),
    text('LoginID'),
    text('FirstName'),
    text('LastName'),
    text('DisplayName'),
    text('PrimaryEmail'),
    text('Phone'),
    text('Title'),
    text('Team'),
    text('OrganizationUnitID'),
    text('Status'),
    bool('Disabled'),
    ...STAMPS,
  ];
}

function defineSet(name: string, businessObject: string, fields: FieldDef[]): EntitySetDef {
  return { name, businessObject, fields, byLowerName: new Map(fields.map((f) => [f.name.toLowerCase(), f])) };
}

/** The entity sets the simulator serves (docs/heat-api.md §1). */
export function buildEntitySchemas(custom: {
  incidents: readonly string[];
  organizationalunits: readonly string[];
}): Map<string, EntitySetDef> {
  const sets = [
    defineSet('incidents', 'Incident', incidentFields(custom.incidents)),
    defineSet('journal__notess', 'Journal', journalNoteFields()),
    defineSet('organizationalunits', 'OrganizationalUnit', orgUnitFields(custom.organizationalunits)),
    defineSet('standarduserteams', 'StandardUserTeam', teamFields()),
    defineSet('employees', 'Employee', employeeFields()),
  ];
  return new Map(sets.map((s) => [s.name, s]));
}

/** An empty record of a set: every field present, unset dates as HEAT renders them. */
export function blankRecord(set: EntitySetDef, unsetDate: string): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const f of set.fields) {
    if (f.custom) record[f.name] = null;
    else if (f.type === 'date') record[f.name] = unsetDate;
    else if (f.type === 'boolean') record[f.name] = false;
    else record[f.name] = null;
  }
  return record;
}
