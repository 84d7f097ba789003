import {
  ConfigError,
  type CategorySettings,
  type ConfigProblem,
  type ModelFile,
  type ModelSettings,
  type RoutingPolicyConfig,
} from '../config/index.js';
import { CATEGORY_IDS, CATEGORY_SCOPES, type CategoryId } from '../domain/index.js';
import { compileAdminPattern, type AdminPattern } from './compile-admin-pattern.js';
import { loadLinearModel, type LinearModel } from './linear-model.js';
import { createTextNormaliser, foldText, tokeniseText, type TextNormaliser } from './normalise-text.js';

type RuleConfig = RoutingPolicyConfig['rules'][number];
type MatcherConfig = NonNullable<RuleConfig['any']>;

/** Admin patterns run in RE2 (compile-admin-pattern.ts), which is linear whatever their shape; the cap keeps programs small. */
const MAX_PATTERN_LENGTH = 200;

/** One term, phrase or pattern of a rule; matched at most once per ticket. */
export interface CompiledItem {
  readonly kind: 'term' | 'phrase' | 'pattern';
  /** As written in the policy (what a reason shows). */
  readonly value: string;
}

/** Word-index entry: the item matches when the token sequence starting here equals `[first, ...rest]`. */
export interface IndexEntry {
  readonly item: number;
  readonly rest: readonly string[] | null;
  /** The policy word that matched (the item itself or one of its synonyms). */
  readonly variant: string;
}

export interface PatternEntry {
  readonly item: number;
  /** Compiled in RE2 (linear time), case-insensitive. */
  readonly re: AdminPattern;
}

export interface FieldTest {
  readonly field: string;
  readonly kind: 'equals' | 'in';
  /** Folded value -> the value as written in the policy (what a reason shows). */
  readonly values: ReadonlyMap<string, string>;
}

export interface CompiledRule {
  readonly id: string;
  readonly category: CategoryId;
  readonly categoryIndex: number;
  readonly weight: number;
  readonly priority: number;
  /** Position in the file (the last tie-breaker). */
  readonly order: number;
  /** Each requirement is satisfied when at least one of its items matched. */
  readonly requirements: readonly (readonly number[])[];
  /** Items that must not match. */
  readonly forbidden: readonly number[];
  readonly fieldTests: readonly FieldTest[];
  /** Every positive item of the rule (for reasons). */
  readonly items: readonly number[];
}

/** Per text field: the work classifyTicket does on it. */
export interface CompiledField {
  readonly name: string;
  readonly body: boolean;
  /** First stem -> entries. */
  readonly words: ReadonlyMap<string, readonly IndexEntry[]>;
  readonly patterns: readonly PatternEntry[];
}

/** A validated, precompiled policy: compile once, classify many tickets. Immutable. */
export interface CompiledPolicy {
  readonly policyVersion: string;
  readonly threshold: number;
  /** Every category id (the schema requires all eight). */
  readonly categories: Readonly<Record<CategoryId, CategorySettings>>;
  /** Restricted categories (config `restricted: true`, and gradebook_admin's fixed scope). */
  readonly restricted: ReadonlySet<CategoryId>;
  readonly rules: readonly CompiledRule[];
  readonly items: readonly CompiledItem[];
  readonly fields: readonly CompiledField[];
  readonly normaliser: TextNormaliser;
  /** Fields that may hold HTML and e-mail threads. */
  readonly bodyFields: ReadonlySet<string>;
  /** The learned model and how it joins the rules (null: the rules decide alone). */
  readonly model: LinearModel | null;
  readonly modelSettings: ModelSettings | null;
}

/** A model file and its content hash, as loadConfig read them. */
export interface ModelInput {
  file: ModelFile;
  hash: string;
}

interface MatcherParts {
  terms: string[];
  phrases: string[];
  patterns: string[];
  fields: string[] | undefined;
}

function matcherParts(m: MatcherConfig | RuleConfig['all']): MatcherParts {
  if (Array.isArray(m)) {
    // Shorthand list: one word is a term, several words make a phrase.
    const parts: MatcherParts = { terms: [], phrases: [], patterns: [], fields: undefined };
    for (const s of m as string[]) (/\s/.test(s.trim()) ? parts.phrases : parts.terms).push(s);
    return parts;
  }
  const o = m as Exclude<MatcherConfig, string[]>;
  return { terms: o.terms, phrases: o.phrases, patterns: o.patterns, fields: o.fields };
}

/** Shared state while one policy compiles: the problems found so far and the indexes being built. */
interface CompileContext {
  problem(key: string, text: string, fix: string): void;
  toTokens(s: string): string[];
  synonymGroups: Map<string, string[]>;
  items: CompiledItem[];
  fieldWords: Map<string, Map<string, IndexEntry[]>>;
  fieldPatterns: Map<string, PatternEntry[]>;
}

function checkPattern(
  ctx: CompileContext,
  key: string,
  pattern: string,
  where: string,
  options: { fold: boolean },
): AdminPattern | null {
  // Accents are folded out of ticket text, so rule patterns are folded too and case-insensitive (the
  // RegExp engine's "i" flag before RE2). Noise patterns are compiled as written, as they always were.
  const folded = options.fold ? pattern.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : pattern;
  if (folded.length > MAX_PATTERN_LENGTH) {
    ctx.problem(
      key,
      `${where}: the pattern is longer than ${MAX_PATTERN_LENGTH} characters`,
      'shorten it or split it into several patterns or phrases',
    );
    return null;
  }
  const compiled = compileAdminPattern(folded, { ignoreCase: options.fold });
  if (!compiled.ok) {
    ctx.problem(key, `${where}: ${compiled.problem}`, compiled.fix);
    return null;
  }
  return compiled.pattern;
}

function checkNoisePatterns(ctx: CompileContext, noise: RoutingPolicyConfig['normalise']): void {
  const noiseOptions = { fold: false };
  const lists = [
    ['cutAt', noise.cutAt],
    ['dropLines', noise.dropLines],
    ['forwardAt', noise.forwardAt],
    ['signatureAt', noise.signatureAt],
    ['greetings', noise.greetings],
  ] as const;
  for (const [name, patterns] of lists) {
    patterns.forEach((p, i) =>
      checkPattern(ctx, `normalise.${name}[${i}]`, p, 'e-mail noise pattern', noiseOptions),
    );
  }
}

/** Synonym groups are symmetric: a rule that names any member matches every member. */
function buildSynonymGroups(
  synonyms: RoutingPolicyConfig['synonyms'],
  toTokens: (s: string) => string[],
  problem: CompileContext['problem'],
): Map<string, string[]> {
  const synonymGroups = new Map<string, string[]>();
  for (const [key, equivalents] of Object.entries(synonyms)) {
    const members = [key, ...equivalents];
    const keys = members.map((m) => toTokens(m).join(' '));
    if (keys.some((k) => k === '')) {
      problem(
        `synonyms.${key}`,
        'a synonym has no letters or digits',
        'use words (punctuation is ignored when matching)',
      );
      continue;
    }
    for (const k of keys) {
      const group = synonymGroups.get(k) ?? [];
      for (const m of members) if (!group.includes(m)) group.push(m);
      synonymGroups.set(k, group);
    }
  }
  return synonymGroups;
}

function touchField(ctx: CompileContext, f: string): void {
  if (!ctx.fieldWords.has(f)) {
    ctx.fieldWords.set(f, new Map());
    ctx.fieldPatterns.set(f, []);
  }
}

/** Adds a term or phrase item (and its synonyms) to the word index of each field; its id, or null. */
function addWordItem(
  ctx: CompileContext,
  fields: string[],
  kind: 'term' | 'phrase',
  value: string,
  key: string,
): number | null {
  const stems = ctx.toTokens(value);
  if (stems.length === 0) {
    ctx.problem(
      key,
      `"${value}" has no letters or digits, so it can never match`,
      'use a word, or a pattern for punctuation',
    );
    return null;
  }
  const id = ctx.items.length;
  ctx.items.push({ kind: stems.length > 1 ? 'phrase' : kind, value });
  const variants = ctx.synonymGroups.get(stems.join(' ')) ?? [value];
  const seen = new Set<string>();
  for (const variant of variants) {
    const vs = ctx.toTokens(variant);
    const vk = vs.join(' ');
    if (seen.has(vk)) continue;
    seen.add(vk);
    for (const f of fields) {
      const index = ctx.fieldWords.get(f)!;
      const list = index.get(vs[0]!) ?? [];
      list.push({ item: id, rest: vs.length > 1 ? vs.slice(1) : null, variant });
      index.set(vs[0]!, list);
    }
  }
  return id;
}

function addItems(
  ctx: CompileContext,
  parts: MatcherParts,
  ruleFields: string[],
  keyBase: string,
  ruleId: string,
): number[] {
  const fields = parts.fields ?? ruleFields;
  const ids: number[] = [];
  for (const f of fields) touchField(ctx, f);
  const addWords = (kind: 'term' | 'phrase', value: string, key: string): void => {
    const id = addWordItem(ctx, fields, kind, value, key);
    if (id !== null) ids.push(id);
  };
  parts.terms.forEach((t, i) => addWords('term', t, `${keyBase}.terms[${i}]`));
  parts.phrases.forEach((p, i) => addWords('phrase', p, `${keyBase}.phrases[${i}]`));
  parts.patterns.forEach((p, i) => {
    const re = checkPattern(ctx, `${keyBase}.patterns[${i}]`, p, `rule "${ruleId}" pattern`, {
      fold: true,
    });
    if (!re) return;
    const id = ctx.items.length;
    ctx.items.push({ kind: 'pattern', value: p });
    ids.push(id);
    for (const f of fields) ctx.fieldPatterns.get(f)!.push({ item: id, re });
  });
  return ids;
}

function fieldTestsOf(rule: RuleConfig): FieldTest[] {
  const fieldTests: FieldTest[] = [];
  for (const [field, value] of Object.entries(rule.equals ?? {})) {
    fieldTests.push({ field, kind: 'equals', values: new Map([[foldText(value).trim(), value]]) });
  }
  for (const [field, values] of Object.entries(rule.in ?? {})) {
    fieldTests.push({
      field,
      kind: 'in',
      values: new Map(values.map((v) => [foldText(v).trim(), v] as const)),
    });
  }
  return fieldTests;
}

/** A rule's requirements (any, then each of all) and every positive item, added to the indexes. */
function ruleRequirements(
  ctx: CompileContext,
  rule: RuleConfig,
  ruleFields: string[],
  base: string,
): { requirements: number[][]; positive: number[] } {
  const requirements: number[][] = [];
  const positive: number[] = [];
  if (rule.any !== undefined) {
    const r = addItems(ctx, matcherParts(rule.any), ruleFields, `${base}.any`, rule.id);
    requirements.push(r);
    positive.push(...r);
  }
  if (rule.all !== undefined) {
    if (Array.isArray(rule.all)) {
      rule.all.forEach((m, i) => {
        const r = addItems(ctx, matcherParts(m), ruleFields, `${base}.all[${i}]`, rule.id);
        requirements.push(r);
        positive.push(...r);
      });
    } else {
      // One matcher under "all": every one of its items must match.
      for (const id of addItems(ctx, matcherParts(rule.all), ruleFields, `${base}.all`, rule.id)) {
        requirements.push([id]);
        positive.push(id);
      }
    }
  }
  return { requirements, positive };
}

/** Checks one rule and compiles it; null when it is disabled or has problems (reported to ctx). */
function compileRule(
  ctx: CompileContext,
  rule: RuleConfig,
  index: number,
  textFields: string[],
): CompiledRule | null {
  const base = `rules[${index}]`;
  if (rule.category === 'unclassified') {
    ctx.problem(
      `${base}.category`,
      'rules cannot target "unclassified" (it is what remains when no rule reaches the threshold)',
      'pick one of the other categories, or lower the weight of competing rules',
    );
    return null;
  }
  // No "unknown category" check: the schema requires all eight ids in `categories` (a missing one fails at
  // load as categories.<id>, see routing-schema.ts) and a rule's category must be one of them.
  if (!rule.enabled) return null;
  const hasPositive =
    rule.any !== undefined || rule.all !== undefined || rule.equals !== undefined || rule.in !== undefined;
  if (!hasPositive) {
    ctx.problem(
      base,
      'the rule has no any/all/equals/in condition, so it would fire on every ticket (or never)',
      'add an "any" list of terms or phrases, or an equals/in field test',
    );
    return null;
  }
  const ruleFields = rule.fields ?? textFields;
  const { requirements, positive } = ruleRequirements(ctx, rule, ruleFields, base);
  const forbidden =
    rule.none !== undefined
      ? addItems(ctx, matcherParts(rule.none), ruleFields, `${base}.none`, rule.id)
      : [];
  const fieldTests = fieldTestsOf(rule);
  if (requirements.some((r) => r.length === 0)) return null; // its items were reported above
  return {
    id: rule.id,
    category: rule.category,
    categoryIndex: CATEGORY_IDS.indexOf(rule.category),
    weight: rule.weight,
    priority: rule.priority,
    order: index,
    requirements,
    forbidden,
    fieldTests,
    items: positive,
  };
}

function compileRules(ctx: CompileContext, config: RoutingPolicyConfig): CompiledRule[] {
  const rules: CompiledRule[] = [];
  const ids = new Set<string>();
  config.rules.forEach((rule, index) => {
    if (ids.has(rule.id))
      ctx.problem(
        `rules[${index}].id`,
        `duplicate rule id "${rule.id}"`,
        'give every rule its own id (reports and HEAT fields name rules by id)',
      );
    ids.add(rule.id);
    const compiled = compileRule(ctx, rule, index, config.normalise.textFields);
    if (compiled) rules.push(compiled);
  });
  return rules;
}

/** Restricted categories (config flag or fixed scope); each needs an enabled rule with a positive weight. */
function restrictedCategories(
  ctx: CompileContext,
  config: RoutingPolicyConfig,
  rules: readonly CompiledRule[],
): Set<CategoryId> {
  const categoriesWithRules = new Set<CategoryId>();
  for (const rule of rules) if (rule.weight > 0) categoriesWithRules.add(rule.category);
  const restricted = new Set<CategoryId>();
  for (const id of CATEGORY_IDS) {
    if (config.categories[id].restricted || CATEGORY_SCOPES[id] === 'restricted') restricted.add(id);
  }
  for (const id of restricted) {
    if (!categoriesWithRules.has(id)) {
      ctx.problem(
        'rules',
        `restricted category "${id}" has no enabled rule with a positive weight, so its tickets would never be caught`,
        `add at least one rule with category: ${id}`,
      );
    }
  }
  return restricted;
}

/**
 * Validates and precompiles a routing policy. Throws ConfigError naming file, key and fix for unsafe or
 * invalid patterns, unknown categories, duplicate rule ids, rules that cannot fire or fire on everything,
 * and restricted categories without rules. Never partially succeeds: the caller keeps its last good policy.
 */
export function compilePolicy(
  config: RoutingPolicyConfig,
  policyVersion: string,
  source: { file: string } = { file: 'routing.yaml' },
  model: ModelInput | null = null,
): CompiledPolicy {
  const file = source.file;
  const problems: ConfigProblem[] = [];
  const problem = (key: string, text: string, fix: string): void => {
    // loadConfig adds the line (locateProblems) when it reports these.
    problems.push({ file, key, problem: text, fix });
  };
  const stemming = config.normalise.stemming;
  const keep = new Set(config.normalise.keepWords.map((w) => foldText(w)));
  const toTokens = (s: string): string[] => tokeniseText(foldText(s), stemming, keep);
  const ctx: CompileContext = {
    problem,
    toTokens,
    synonymGroups: new Map(),
    items: [],
    fieldWords: new Map(),
    fieldPatterns: new Map(),
  };

  checkNoisePatterns(ctx, config.normalise);
  ctx.synonymGroups = buildSynonymGroups(config.synonyms, toTokens, problem);
  const rules = compileRules(ctx, config);
  const restricted = restrictedCategories(ctx, config, rules);
  if (rules.length === 0 && problems.length === 0) {
    problem(
      'rules',
      'the policy has no enabled rules, so every ticket would be unclassified',
      'add rules (see docs/policy.md)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const bodyFields = new Set(config.normalise.bodyFields);
  const fields: CompiledField[] = [...ctx.fieldWords.keys()].map((name) => ({
    name,
    body: bodyFields.has(name),
    words: ctx.fieldWords.get(name)!,
    patterns: ctx.fieldPatterns.get(name)!,
  }));

  return Object.freeze({
    policyVersion,
    threshold: config.threshold,
    categories: config.categories,
    restricted,
    rules: Object.freeze(rules),
    items: Object.freeze(ctx.items),
    fields: Object.freeze(fields),
    normaliser: createTextNormaliser(config.normalise),
    bodyFields,
    model: model && config.model ? loadLinearModel(model.file, model.hash) : null,
    modelSettings: model && config.model ? config.model : null,
  });
}

/** The policy of a loaded config, with its model when routing.yaml names one. */
export function compileLoadedPolicy(cfg: {
  routing: RoutingPolicyConfig;
  policyVersion: string;
  routingSource: { file: string };
  model: ModelFile | null;
  modelVersion: string | null;
}): CompiledPolicy {
  const model = cfg.model && cfg.modelVersion ? { file: cfg.model, hash: cfg.modelVersion } : null;
  return compilePolicy(cfg.routing, cfg.policyVersion, cfg.routingSource, model);
}
