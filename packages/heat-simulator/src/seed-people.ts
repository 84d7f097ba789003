import type { HeatRecord } from './heat-record.js';
import type { Rng } from './create-rng.js';

/** District schools (organizational units); realistic names, invented district. */
export const SCHOOL_NAMES: readonly string[] = [
  'Lincoln Elementary',
  'Washington Elementary',
  'Roosevelt Middle School',
  'Jefferson High School',
  'Franklin Elementary',
  'Madison Middle School',
  'Kennedy High School',
  'Adams Elementary',
  'Garfield Elementary',
  'Hamilton Middle School',
  'Cesar Chavez Elementary',
  'Riverside Elementary',
  'Sunset Ridge Elementary',
  'Eastside Alternative High School',
];

/** Org units that are not schools (where district staff sit). */
export const DEPARTMENT_NAMES: readonly string[] = ['District Office', 'ITS Department'];

export const TEAM_NAMES: readonly string[] = [
  'ITS Service Desk',
  'School Technicians',
  'Telecommunications',
  'Web Services',
  'ITS Application Support',
  'Gradebook Managers',
  'School Administration',
  'Network Operations',
  'Facilities Maintenance',
];

export const EMAIL_DOMAIN = 'maplevalley.k12.example';

const FIRST_NAMES = [
  'Maria',
  'James',
  'Linda',
  'Robert',
  'Patricia',
  'Michael',
  'Jennifer',
  'David',
  'Elizabeth',
  'William',
  'Susan',
  'Carlos',
  'Karen',
  'Daniel',
  'Nancy',
  'Jose',
  'Lisa',
  'Thomas',
  'Angela',
  'Kevin',
  'Rosa',
  'Brian',
  'Michelle',
  'Luis',
  'Sandra',
  'Mark',
  'Ana',
  'Steven',
  'Donna',
  'Paul',
  'Emily',
  'Andrew',
  'Jessica',
  'Anthony',
  'Sarah',
  'Kenneth',
  'Laura',
  'Eric',
  'Monica',
  'Tyler',
];
const LAST_NAMES = [
  'Garcia',
  'Smith',
  'Johnson',
  'Martinez',
  'Brown',
  'Davis',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sanchez',
  'Clark',
  'Ramirez',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Scott',
  'Torres',
  'Nguyen',
  'Hill',
  'Flores',
  'Green',
  'Adams',
  'Nelson',
  'Baker',
  'Hall',
  'Rivera',
];

export interface Person {
  recId: string;
  login: string;
  displayName: string;
  email: string;
  phone: string;
  title: string;
  /** Primary team ('' for requesters). */
  team: string;
  orgUnit: string;
}

export interface SeedPeople {
  orgUnits: Array<{ recId: string; name: string; type: 'School' | 'Department' }>;
  teams: Array<{ recId: string; name: string }>;
  people: Person[];
  /** Team name -> logins of its members (an Owner must belong to the OwnerTeam: HEAT's cascade). */
  members: Map<string, string[]>;
  requestersBySchool: Map<string, Person[]>;
  techniciansBySchool: Map<string, Person[]>;
  deskStaff: Person[];
}

/** Builds the district's org units, teams and employees, deterministically from the rng. */
export function seedPeople(rng: Rng, keyAccount: string): SeedPeople {
  const usedLogins = new Set<string>([keyAccount.toLowerCase()]);
  const people: Person[] = [];
  const members = new Map<string, string[]>(TEAM_NAMES.map((t) => [t, []]));
  const orgUnits = [
    ...SCHOOL_NAMES.map((name) => ({ recId: rng.recId(), name, type: 'School' as const })),
    ...DEPARTMENT_NAMES.map((name) => ({ recId: rng.recId(), name, type: 'Department' as const })),
  ];
  const teams = TEAM_NAMES.map((name) => ({ recId: rng.recId(), name }));

  const addPerson = (title: string, orgUnit: string, team: string): Person => {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    let login = `${first[0]}${last}`.toLowerCase();
    for (let n = 2; usedLogins.has(login); n += 1) login = `${first[0]}${last}${n}`.toLowerCase();
    usedLogins.add(login);
    const middle = rng.chance(0.4) ? ` ${String.fromCharCode(65 + rng.int(26))}` : '';
    const person: Person = {
      recId: rng.recId(),
      login,
      displayName: `${first}${middle} ${last}`,
      email: `${login}@${EMAIL_DOMAIN}`,
      phone: `(208) 555-01${String(rng.int(100)).padStart(2, '0')}`,
      title,
      team,
      orgUnit,
    };
    people.push(person);
    if (team) members.get(team)?.push(login);
    return person;
  };

  const requestersBySchool = new Map<string, Person[]>();
  const techniciansBySchool = new Map<string, Person[]>();
  for (const school of SCHOOL_NAMES) {
    const requesters = [
      addPerson('Teacher', school, ''),
      addPerson('Teacher', school, ''),
      addPerson('Teacher', school, ''),
      addPerson('Teacher', school, ''),
      addPerson('Office Manager', school, ''),
      addPerson('Attendance Clerk', school, ''),
      addPerson('Principal', school, ''),
    ];
    requestersBySchool.set(school, requesters);
    const techCount = school.includes('High School') ? 2 : 1;
    const techs: Person[] = [];
    for (let i = 0; i < techCount; i += 1)
      techs.push(addPerson('School Technician', school, 'School Technicians'));
    techniciansBySchool.set(school, techs);
    addPerson('Registrar', school, 'Gradebook Managers');
  }
  const deskStaff: Person[] = [];
  for (let i = 0; i < 5; i += 1)
    deskStaff.push(addPerson('Service Desk Analyst', 'ITS Department', 'ITS Service Desk'));
  for (let i = 0; i < 3; i += 1) addPerson('Telecom Specialist', 'ITS Department', 'Telecommunications');
  for (let i = 0; i < 2; i += 1) addPerson('Web Developer', 'ITS Department', 'Web Services');
  for (let i = 0; i < 3; i += 1)
    addPerson('Application Analyst', 'ITS Department', 'ITS Application Support');
  for (let i = 0; i < 3; i += 1)
    addPerson('Administrative Assistant', 'District Office', 'School Administration');
  for (let i = 0; i < 2; i += 1) addPerson('Network Engineer', 'ITS Department', 'Network Operations');
  addPerson('Maintenance Lead', 'District Office', 'Facilities Maintenance');

  // The REST API key's "On Behalf Of" account (docs/heat-api.md §2.1): an intake-team member.
  const apiAccount: Person = {
    recId: rng.recId(),
    login: keyAccount,
    displayName: 'SBT Router (API)',
    email: `${keyAccount}@${EMAIL_DOMAIN}`,
    phone: '',
    title: 'Integration Account',
    team: 'ITS Service Desk',
    orgUnit: 'ITS Department',
  };
  people.push(apiAccount);
  members.get('ITS Service Desk')?.push(keyAccount);

  return { orgUnits, teams, people, members, requestersBySchool, techniciansBySchool, deskStaff };
}

/** The employee record of a person, as `employees` serves it. */
export function employeeFields(person: Person): HeatRecord {
  const [first, ...rest] = person.displayName.split(' ');
  return {
    RecId: person.recId,
    LoginID: person.login,
    FirstName: first ?? '',
    LastName: rest[rest.length - 1] ?? '',
    DisplayName: person.displayName,
    PrimaryEmail: person.email,
    Phone: person.phone,
    Title: person.title,
    Team: person.team || null,
    OrganizationUnitID: person.orgUnit,
    Status: 'Active',
    Disabled: false,
  };
}
