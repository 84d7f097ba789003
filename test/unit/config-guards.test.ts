import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyCompiles } from '../../src/classify/index.js';
import { ConfigError, loadConfig, nearestKey, type ConfigProblem } from '../../src/config/index.js';
import { teamKey } from '../../src/domain/index.js';

const SHIPPED_ROUTING = readFileSync(join('config', 'routing.yaml'), 'utf8');
const SHIPPED_SERVICE = readFileSync(join('config', 'service.yaml'), 'utf8');

/** A config folder with the shipped files, edited; returns the folder and the edited texts. */
function configDir(edit: { routing?: (text: string) => string; service?: (text: string) => string }): {
  dir: string;
  routing: string;
  service: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'sbt-guards-'));
  const routing = edit.routing ? edit.routing(SHIPPED_ROUTING) : SHIPPED_ROUTING;
  const service = edit.service ? edit.service(SHIPPED_SERVICE) : SHIPPED_SERVICE;
  if (edit.routing) expect(routing).not.toBe(SHIPPED_ROUTING);
  if (edit.service) expect(service).not.toBe(SHIPPED_SERVICE);
  writeFileSync(join(dir, 'routing.yaml'), routing);
  copyFileSync('config/model.json', join(dir, 'model.json'));
  writeFileSync(join(dir, 'service.yaml'), service);
  return { dir, routing, service };
}

/** The problems loadConfig (with the policy compiler, as config check and reload run it) reports. */
function problemsOf(dir: string): ConfigProblem[] {
  try {
    loadConfig({ dir, env: {}, checkPolicy: checkPolicyCompiles });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  return expect.unreachable('the config should have been refused') as never;
}

/** 1-based line of the first line containing `needle` at or after line `from`. */
function lineOf(text: string, needle: string, from = 1): number {
  const lines = text.split('\n');
  const index = lines.findIndex((l, i) => i >= from - 1 && l.includes(needle));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('routing.yaml refusals (file, line, key, fix)', () => {
  it('refuses an out-of-scope category without a destination', () => {
    const { dir, routing } = configDir({
      routing: (t) => t.replace('destination: Telecommunications', 'destination: null'),
    });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({
      file: join(dir, 'routing.yaml'),
      line: lineOf(routing, 'destination: null', lineOf(routing, '  telephone:')),
      key: 'categories.telephone.destination',
      problem:
        'out-of-scope category "telephone" has no destination, so its tickets would stay with the intake team, only tagged out of scope',
      fix: 'set categories.telephone.destination to the team that owns this work (see docs/policy.md "Categories")',
    });
  });

  it('requires threshold, and the fix gives the shipped value', () => {
    const { dir, routing } = configDir({ routing: (t) => t.replace(/^threshold: 2\n/m, '') });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBe('threshold');
    expect(problems[0]!.problem).toBe('the required key "threshold" is missing');
    expect(problems[0]!.file).toBe(join(dir, 'routing.yaml'));
    // A missing top-level key points at the top of the document (its first key).
    expect(problems[0]!.line).toBe(lineOf(routing, 'normalise:'));
    expect(problems[0]!.fix).toBe(
      'add "threshold: 2" at the top level of routing.yaml (the shipped value: a category needs a score of 2 to win; there is no default, see docs/policy.md "Threshold")',
    );
  });

  it('refuses a gradebook owner who is listed in teams.technicianLogins', () => {
    const { dir, routing } = configDir({
      routing: (t) =>
        t
          .replace('technicianLogins: []', 'technicianLogins: [jsmith, MDoe]')
          .replace('destination: Gradebook Managers\n', 'destination: Gradebook Managers\n    owner: mdoe\n'),
    });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      line: lineOf(routing, 'owner: mdoe'),
      key: 'categories.gradebook_admin.owner',
      problem:
        'the owner of restricted work, "mdoe", is listed in teams.technicianLogins: moved gradebook_admin tickets would be owned by a technician',
      fix: 'name a member of "Gradebook Managers" who is not a technician, or remove the owner key (the Owner is then cleared)',
    });
  });

  it.each([
    ['a non-breaking space', 'School\u00a0Technicians'],
    ['a double space', 'School  Technicians'],
    ['another case and trailing blanks', "'school TECHNICIANS  '"],
    ['full-width letters', 'Ｓｃｈｏｏｌ Technicians'],
    ['a zero-width space', 'School \u200bTechnicians'],
  ])("refuses the technicians' team written with %s as the gradebook destination", (_what, written) => {
    const { dir, routing } = configDir({
      routing: (t) => t.replace('destination: Gradebook Managers', `destination: ${written}`),
    });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBe('categories.gradebook_admin.destination');
    expect(problems[0]!.line).toBe(lineOf(routing, `destination: ${written}`));
    expect(problems[0]!.problem).toContain('gradebook work may never go to technicians');
    expect(problems[0]!.problem).toContain('the same team as "School Technicians"');
    expect(problems[0]!.fix).toBe(
      "set it to the gradebook managers' team, which is not the technicians' team",
    );
  });

  it.each([0, -2])('refuses a gradebook rule with weight %d', (weight) => {
    const { dir, routing } = configDir({
      routing: (t) => t.replace(/(- id: gb-periods\n.*\n.*\n {4})weight: 4/, `$1weight: ${weight}`),
    });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(1);
    const index = SHIPPED_ROUTING.slice(SHIPPED_ROUTING.indexOf('\nrules:'))
      .split('\n  - id: ')
      .findIndex((chunk) => chunk.startsWith('gb-periods'));
    expect(problems[0]).toMatchObject({
      line: lineOf(routing, `weight: ${weight}`),
      key: `rules[${index - 1}].weight`,
      ruleId: 'gb-periods',
      problem: `a rule of the restricted category "gradebook_admin" has weight ${weight}: it would count against gradebook_admin and let such tickets reach technicians`,
      fix: 'give it a positive weight (e.g. weight: 2) or delete the rule; to keep other tickets out of gradebook_admin, add a "none" condition to its rules instead',
    });
    const message = new ConfigError(problems).message;
    expect(message).toContain(
      `${join(dir, 'routing.yaml')}:${lineOf(routing, `weight: ${weight}`)} rules[${index - 1}].weight (id gb-periods): a rule of the restricted category`,
    );
  });
});

describe('every stage at once', () => {
  it('reports a misspelt threshold (with did-you-mean) and a bad regex together', () => {
    const { dir, routing } = configDir({
      routing: (t) =>
        t
          .replace(/^threshold: 2$/m, 'treshold: 2')
          .replace(
            'rules:\n',
            () =>
              "rules:\n  - id: broken-regex\n    category: hardware\n    any:\n      patterns: ['(unclosed']\n",
          ),
    });
    const problems = problemsOf(dir);
    const byKey = new Map(problems.map((p) => [p.key, p]));
    expect([...byKey.keys()].sort()).toEqual(['rules[0].any.patterns[0]', 'threshold', 'treshold']);
    expect(byKey.get('treshold')).toEqual({
      file: join(dir, 'routing.yaml'),
      line: lineOf(routing, 'treshold: 2'),
      key: 'treshold',
      problem: 'unknown key "treshold"',
      fix: 'did you mean "threshold"? Rename "treshold" to "threshold" (see docs/policy.md)',
    });
    expect(byKey.get('rules[0].any.patterns[0]')).toMatchObject({
      line: lineOf(routing, "patterns: ['(unclosed']"),
      ruleId: 'broken-regex',
      fix: 'correct the pattern syntax: escape "." "(" "[" with a backslash, write \\x{e9} rather than \\u00e9; RE2 syntax: see docs/policy.md, "Pattern syntax"',
    });
    expect(byKey.get('rules[0].any.patterns[0]')!.problem).toMatch(
      /^rule "broken-regex" pattern: "\(unclosed" is not a valid RE2 regular expression/,
    );
  });

  it('reports service.yaml, routing.yaml schema, cross-check and compile problems in one error', () => {
    const { dir } = configDir({
      service: (t) => t.replace('poll:\n  enabled: true', 'poll:\n  enabeld: true'),
      routing: (t) =>
        t.replace('destination: Web Services', 'destination: null').replace(
          'rules:\n',
          // RE2 runs (a+)+$ in linear time; a lookahead is what it refuses.
          () => "rules:\n  - id: evil\n    category: hardware\n    any: { patterns: ['a(?=b)'] }\n",
        ),
    });
    const keys = problemsOf(dir).map(
      (p) => `${p.file.endsWith('service.yaml') ? 'service' : 'routing'} ${p.key}`,
    );
    expect(keys.sort()).toEqual([
      'routing categories.website.destination',
      'routing rules[0].any.patterns[0]',
      'service poll.enabeld',
    ]);
  });
});

describe('did you mean', () => {
  it('names the nearest known key of that section and the reference page', () => {
    const { dir, service } = configDir({
      service: (t) => t.replace('  schoolKeyField: Name', '  schoolKeyFeild: Name'),
    });
    const problems = problemsOf(dir);
    expect(problems).toEqual([
      {
        file: join(dir, 'service.yaml'),
        line: lineOf(service, 'schoolKeyFeild'),
        key: 'counts.schoolKeyFeild',
        problem: 'unknown key "schoolKeyFeild"',
        fix: 'did you mean "schoolKeyField"? Rename "schoolKeyFeild" to "schoolKeyField" (see config/README.md)',
      },
    ]);
  });

  it('inside a rule, and lists the allowed keys when nothing is near', () => {
    const { dir } = configDir({
      routing: (t) =>
        t.replace(
          'rules:\n',
          () =>
            'rules:\n  - id: typo\n    category: hardware\n    anyy: [printer]\n    zzzzzz: 1\n    any: [printer]\n',
        ),
    });
    const problems = problemsOf(dir);
    const fixes = Object.fromEntries(problems.map((p) => [p.key, p.fix]));
    expect(fixes['rules[0].anyy']).toBe('did you mean "any"? Rename "anyy" to "any" (see docs/policy.md)');
    expect(fixes['rules[0].zzzzzz']).toBe(
      'remove or rename "zzzzzz" (see docs/policy.md; keys allowed here: id, category, description, weight, priority, enabled, fields, any, all, none, equals, in)',
    );
    expect(new Set(problems.map((p) => p.ruleId))).toEqual(new Set(['typo']));
  });

  it('nearestKey', () => {
    expect(nearestKey('treshold', ['threshold', 'normalise', 'rules'])).toBe('threshold');
    expect(nearestKey('rule', ['threshold', 'normalise', 'rules'])).toBe('rules');
    expect(nearestKey('colour', ['threshold', 'normalise', 'rules'])).toBeUndefined();
  });
});

describe('service.yaml names that reach HEAT OData queries', () => {
  it.each([
    [
      'counts',
      '  schoolKeyField: Name',
      '  schoolKeyField: "Name eq \'x\' or Name"',
      'counts.schoolKeyField',
      'field',
      'Name',
    ],
    [
      'heat',
      '  incidentSet: incidents',
      '  incidentSet: incidents/../frs_x',
      'heat.incidentSet',
      'entity set',
      'incidents',
    ],
    [
      'heat',
      '  schoolSet: organizationalunits',
      "  schoolSet: 'organizational units'",
      'heat.schoolSet',
      'entity set',
      'organizationalunits',
    ],
    [
      'counts',
      '  schoolField: OrganizationUnitID',
      '  schoolField: 1OrgUnit',
      'counts.schoolField',
      'field',
      'OrganizationUnitID',
    ],
  ])('%s: %s -> refused', (_section, from, to, key, kind, example) => {
    const { dir, service } = configDir({ service: (t) => t.replace(from, to) });
    const problems = problemsOf(dir);
    expect(problems).toEqual([
      {
        file: join(dir, 'service.yaml'),
        line: lineOf(service, to.trim()),
        key,
        problem: `not a HEAT ${kind} name (only letters, digits and "_", starting with a letter or "_"), and it is put into HEAT OData queries`,
        fix: `write the ${kind}'s name only, such as ${example} (no spaces, quotes, dots, slashes or operators)`,
      },
    ]);
  });

  it('routing.yaml custom field names too', () => {
    const { dir, routing } = configDir({
      routing: (t) => t.replace('  scope: SBT_Scope\n', "  scope: 'SBT Scope'\n"),
    });
    const problems = problemsOf(dir);
    expect(problems.map((p) => [p.key, p.line])).toEqual([
      ['fields.scope', lineOf(routing, "scope: 'SBT Scope'")],
    ]);
  });
});

describe('teamKey: one comparison of team names', () => {
  it.each([
    'School\u00a0Technicians',
    'school  technicians',
    ' SCHOOL TECHNICIANS ',
    'Ｓｃｈｏｏｌ Ｔｅｃｈｎｉｃｉａｎｓ',
    'School\u2003Technicians',
    'School \u200bTechnicians',
  ])('%j is the technicians team', (name) => {
    expect(teamKey(name)).toBe('school technicians');
  });

  it('keeps different teams apart', () => {
    expect(teamKey('School Technician')).not.toBe(teamKey('School Technicians'));
    expect(teamKey('Straße')).toBe(teamKey('STRASSE'));
  });
});
