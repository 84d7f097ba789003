import { z } from 'zod';
import { CATEGORY_IDS } from '../domain/index.js';
import { odataName } from './odata-identifier.js';

/*
 * `config/routing.yaml`: the whole policy. OWNERSHIP: the classification engine (issue 3) owns the
 * `rules`/`threshold`/`normalise` parts of this schema; the sections `fields`, `teams`, `categories`
 * are consumed by actions/, counts/ and process-ticket and keep the shape below.
 */

const categoryIdSchema = z.enum(CATEGORY_IDS);

/** A custom field name that goes into HEAT OData $select/$filter and PATCH bodies. */
const customFieldSchema = (fallback: string) => odataName('field', fallback).default(fallback);

export const fieldMappingSchema = z
  .strictObject({
    scope: customFieldSchema('SBT_Scope'),
    category: customFieldSchema('SBT_Category'),
    ruleId: customFieldSchema('SBT_RuleId'),
    confidence: customFieldSchema('SBT_Confidence'),
    policyVersion: customFieldSchema('SBT_PolicyVersion'),
    classifiedAt: customFieldSchema('SBT_ClassifiedDateTime'),
    restricted: customFieldSchema('SBT_Restricted'),
    decisionHash: customFieldSchema('SBT_DecisionHash'),
    override: customFieldSchema('SBT_Override'),
    /** The team we last routed the ticket to (tells our routing from a person's). */
    routedTo: customFieldSchema('SBT_RoutedTo'),
  })
  .prefault({});

export const teamsSchema = z
  .strictObject({
    /** Where self-service tickets land before triage. */
    intake: z.string().min(1).default('ITS Service Desk'),
    /** The school-based technicians' team (in-scope work from intake goes here). */
    technicians: z.string().min(1).default('School Technicians'),
    /** Optional per-school technicians team: school name (OrganizationUnitID) -> team. */
    perSchool: z.record(z.string(), z.string().min(1)).default({}),
    /**
     * HEAT logins of the technicians. A gradebook ticket owned by one of them loses its Owner even
     * when it sits in another team (an owner in a technicians' team counts as a technician anyway).
     */
    technicianLogins: z.array(z.string().min(1)).default([]),
  })
  .prefault({});

export const categorySettingsSchema = z.strictObject({
  displayName: z.string().min(1),
  /** Team that owns this work; null = stays with the school's technicians. */
  destination: z.string().min(1).nullable().default(null),
  /**
   * HEAT login to own tickets moved here. Tenants that require an Owner on active tickets refuse a
   * team change that clears it (docs/heat-api.md §7/§8); with an owner named here the move carries it.
   * Must be a member of the destination team. Unset: the Owner is cleared.
   */
  owner: z.string().min(1).optional(),
  /** A restricted category wins whenever its rules fire above threshold, whatever else fires. */
  restricted: z.boolean().default(false),
  /** Internal journal note written when a ticket is moved here. {placeholders}: school, team, category, ruleId, policy. */
  note: z.string().min(1).optional(),
});

export type FieldMapping = z.output<typeof fieldMappingSchema>;
export type TeamsConfig = z.output<typeof teamsSchema>;
export type CategorySettings = z.output<typeof categorySettingsSchema>;

/** A field name of the HEAT incident (standard or custom), e.g. "Subject", "Symptom", "Category". */
const fieldNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, {
  message: 'must be a HEAT field name such as Subject, Symptom, Category or a custom field',
});

/**
 * Patterns are RE2 regular expressions applied to folded text (lower case, accents removed); they are
 * compiled, and RE2-less syntax refused, in classify/compile-admin-pattern.ts. The length is capped here.
 */
export const MAX_PATTERN_LENGTH = 200;
const patternSchema = z
  .string()
  .min(1)
  .max(MAX_PATTERN_LENGTH, { message: `a pattern may be at most ${MAX_PATTERN_LENGTH} characters` });

/** What to look for. Terms are single words (stemmed), phrases are word sequences (stemmed), patterns are regexes. */
export const matcherObjectSchema = z.strictObject({
  terms: z.array(z.string().min(1).max(60)).default([]),
  phrases: z.array(z.string().min(1).max(200)).default([]),
  patterns: z.array(patternSchema).default([]),
  /** Fields to search; defaults to the rule's `fields`, then to `normalise.textFields`. */
  fields: z.array(fieldNameSchema).min(1).optional(),
});

/**
 * A matcher: either the full object, or the shorthand list `[printer, "smart board"]` where single
 * words are terms and several words make a phrase.
 */
export const matcherSchema = z.union([z.array(z.string().min(1).max(200)).min(1), matcherObjectSchema]);

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
    message: 'must be letters, digits, "_", "-" or "." (it is written into HEAT as SBT_RuleId)',
  }),
  category: categoryIdSchema,
  description: z.string().optional(),
  /** Added to the category's score when the rule fires; negative weights count against the category. */
  weight: z.number().finite().default(1),
  /** Breaks ties between categories of equal score (higher wins) and picks the reported rule. */
  priority: z.number().int().default(0),
  enabled: z.boolean().default(true),
  /** Default fields for this rule's text conditions. */
  fields: z.array(fieldNameSchema).min(1).optional(),
  /** At least one item must match. */
  any: matcherSchema.optional(),
  /** A matcher: every item must match. A list of matchers: each must match at least one of its items. */
  all: z.union([matcherObjectSchema, z.array(matcherSchema).min(1)]).optional(),
  /** No item may match. */
  none: matcherSchema.optional(),
  /** Field equality (case- and accent-insensitive): `{ Source: Phone }`. */
  equals: z.record(fieldNameSchema, z.string()).optional(),
  /** Set membership (case- and accent-insensitive): `{ Category: [Telephony, Phones] }`. */
  in: z.record(fieldNameSchema, z.array(z.string()).min(1)).optional(),
});

export const normaliseSchema = z
  .strictObject({
    /** Fields searched by rules that name none. */
    textFields: z.array(fieldNameSchema).min(1).default(['Subject', 'Symptom']),
    /** Fields that may hold HTML and e-mail threads: converted to text and stripped of e-mail noise. */
    bodyFields: z.array(fieldNameSchema).default(['Symptom']),
    /** Text beyond this many characters of a field is not read (bounds the work per ticket). */
    maxFieldChars: z.number().int().min(100).max(200_000).default(12_000),
    /** Reduce words to stems so that "printers", "printing" and "print" match alike. */
    stemming: z.boolean().default(true),
    /** Words never stemmed, where the exact form carries the meaning ("grades" is not "3rd grade"). */
    keepWords: z.array(z.string().min(1)).default([]),
    /**
     * Patterns of a line that starts forwarded content (e.g. "---------- Forwarded message ---------"):
     * the line and the header lines right after it (From:, Date:, Subject:, To:) are dropped, the
     * forwarded request itself is kept.
     */
    forwardAt: z.array(patternSchema).default([]),
    /**
     * Patterns (on folded lines) of a line that starts quoted, forwarded, signature or disclaimer text:
     * that line and everything after it are dropped (unless nothing came before it).
     */
    cutAt: z.array(patternSchema).default([]),
    /** Patterns of single lines to drop (quoted lines, title lines of signatures). */
    dropLines: z.array(patternSchema).default([]),
    /**
     * Patterns of the contact line of a signature (a phone number, an extension): that line, the short
     * lines right above it in the same paragraph (name, title, school) and the rest of its paragraph are
     * dropped. A line of more than a few words is never read as a contact line.
     */
    signatureAt: z.array(patternSchema).default([]),
    /**
     * Patterns of a greeting line ("Hi,", "Good morning team,", "Buenos días,"): dropped while it comes
     * before any text of the message (also at the top of a forwarded or quoted request).
     */
    greetings: z.array(patternSchema).default([]),
    /**
     * Patterns of a short note that only chases an earlier message ("any update?", "see below"): when
     * the text above a quoted reply or forward is only that, the quoted request is read instead.
     */
    followUps: z.array(patternSchema).default([]),
  })
  .prefault({});

/**
 * The learned model beside the rules (docs/model.md). Rules stay authoritative where they fire with
 * confidence; the model decides where they are silent, weak or in conflict; the gradebook guard
 * cannot be configured away (its floor is never zero).
 */
export const modelSettingsSchema = z.strictObject({
  /** The model file, relative to the config folder. */
  file: z.string().min(1).default('model.json'),
  /** The rules decide when their confidence reaches this (and the model does not rule their category out). */
  ruleAuthority: z.number().min(0).max(1).default(0.5),
  /** The model rules out a rules' category whose probability is below this. */
  modelVeto: z.number().min(0).max(0.5).default(0.05),
  /**
   * A move to another team that the rules decide goes to needs_review when the model gives the
   * technicians' scope (hardware + software access) at least this probability, and more than the
   * rules' category. 1 turns it off.
   */
  conflictReview: z.number().gt(0).max(1).default(1),
  /** Below this probability the model's choice goes to needs_review; per category id, `default` for the rest. */
  minProbability: z
    .partialRecord(z.union([categoryIdSchema, z.literal('default')]), z.number().min(0).max(0.95))
    .default({}),
  /**
   * The gradebook guard: a ticket is never in scope when the model gives gradebook_admin at least this
   * probability (or any gradebook rule fires). Never zero, at most 0.5.
   */
  gradebookFloor: z.number().gt(0).max(0.5).default(0.2),
  /** A guarded ticket goes to the gradebook managers when P(gradebook_admin) reaches this, else to review. */
  gradebookStrong: z.number().gt(0).max(0.9).default(0.3),
});

export const routingPolicySchema = z.strictObject({
  /**
   * A category needs at least this score to win; below it the ticket is `unclassified`. Required (the
   * shipped policy uses 2): a silent default would change every decision when the key is misspelt.
   */
  threshold: z.number().positive(),
  normalise: normaliseSchema,
  /**
   * Word or phrase -> equivalents (e.g. Spanish): every rule term/phrase equal to the key also matches
   * its equivalents. `printer: [impresora]`.
   */
  synonyms: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  fields: fieldMappingSchema,
  teams: teamsSchema,
  categories: z.record(categoryIdSchema, categorySettingsSchema),
  rules: z.array(ruleSchema).default([]),
  /** The learned model; without this section the rules decide alone. */
  model: modelSettingsSchema.optional(),
});

export type RoutingPolicyConfig = z.output<typeof routingPolicySchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
export type ModelSettings = z.output<typeof modelSettingsSchema>;
export type MatcherConfig = z.output<typeof matcherSchema>;
export type MatcherObjectConfig = z.output<typeof matcherObjectSchema>;
export type NormaliseConfig = z.output<typeof normaliseSchema>;
