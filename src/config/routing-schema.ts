import { z } from 'zod';
import { CATEGORY_IDS } from '../domain/index.js';

/*
 * `config/routing.yaml`: the whole policy. OWNERSHIP: the classification engine (issue 3) owns the
 * `rules`/`threshold`/`normalise` parts of this schema; the sections `fields`, `teams`, `categories`
 * are consumed by actions/, counts/ and process-ticket and keep the shape below.
 */

const categoryIdSchema = z.enum(CATEGORY_IDS);

export const fieldMappingSchema = z
  .strictObject({
    scope: z.string().min(1).default('SBT_Scope'),
    category: z.string().min(1).default('SBT_Category'),
    ruleId: z.string().min(1).default('SBT_RuleId'),
    confidence: z.string().min(1).default('SBT_Confidence'),
    policyVersion: z.string().min(1).default('SBT_PolicyVersion'),
    classifiedAt: z.string().min(1).default('SBT_ClassifiedDateTime'),
    restricted: z.string().min(1).default('SBT_Restricted'),
    decisionHash: z.string().min(1).default('SBT_DecisionHash'),
    override: z.string().min(1).default('SBT_Override'),
    /** The team we last routed the ticket to (tells our routing from a person's). */
    routedTo: z.string().min(1).default('SBT_RoutedTo'),
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
  })
  .prefault({});

export const categorySettingsSchema = z.strictObject({
  displayName: z.string().min(1),
  /** Team that owns this work; null = stays with the school's technicians. */
  destination: z.string().min(1).nullable().default(null),
  /** A restricted category wins whenever its rules fire above threshold, whatever else fires. */
  restricted: z.boolean().default(false),
  /** Internal journal note written when a ticket is moved here. {placeholders}: school, team, category, ruleId, policy. */
  note: z.string().min(1).optional(),
});

export type FieldMapping = z.output<typeof fieldMappingSchema>;
export type TeamsConfig = z.output<typeof teamsSchema>;
export type CategorySettings = z.output<typeof categorySettingsSchema>;

/** Placeholder for the rule language; the classification engine replaces this with the full schema. */
export const ruleSchema = z.strictObject({
  id: z.string().min(1),
  category: categoryIdSchema,
  weight: z.number().default(1),
  any: z.array(z.string().min(1)).default([]),
});

export const routingPolicySchema = z.strictObject({
  threshold: z.number().min(0).default(1),
  fields: fieldMappingSchema,
  teams: teamsSchema,
  categories: z.record(categoryIdSchema, categorySettingsSchema),
  rules: z.array(ruleSchema).default([]),
});

export type RoutingPolicyConfig = z.output<typeof routingPolicySchema>;
