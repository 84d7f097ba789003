import { z } from 'zod';

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
import { CATEGORY_IDS } from '../domain/index.js';
import { odataName } from './odata-identifier.js';

/**
 * `config/service.yaml`: how the service runs (not what it decides). Every key has a default, so an
 * empty file is valid; unknown keys are errors so that a misspelt key is never silently ignored.
 */
export const serviceConfigSchema = z
  .strictObject({
    heat: z
      .strictObject({
        /** Entity set of incidents (docs/heat-api.md §1: plural, case-insensitive). */
        incidentSet: odataName('entity set', 'incidents').default('incidents'),
        /** Entity set of schools. */
        schoolSet: odataName('entity set', 'organizationalunits').default('organizationalunits'),
        /** HEAT caps $top at 100 (docs/heat-api.md §4). */
        pageSize: z.number().int().min(1).max(100).default(100),
        timeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
        /** Public clients self-limit to 16 concurrent requests (docs/heat-api.md §11). */
        maxConcurrency: z.number().int().min(1).max(64).default(8),
        /**
         * HEAT calls a day (UTC) for all replicas and commands together, counted in Redis. HEAT slows a
         * tenant past about 100,000 calls a day, shared with every other integration (docs/heat-api.md §11):
         * backfill work slows from 80% and pauses at 100% until the next day; live work goes on.
         */
        dailyCallBudget: z.number().int().min(100).default(50_000),
        retries: z
          .strictObject({
            max: z.number().int().min(0).max(10).default(4),
            baseDelayMs: z.number().int().min(1).default(250),
            maxDelayMs: z.number().int().min(1).default(8_000),
          })
          .prefault({}),
        /**
         * The login name HEAT stamps in LastModBy for our writes (the API key's "On Behalf Of" user).
         * Used to tell our own changes from a person's.
         */
        account: z.string().min(1).default('sbt-router'),
        /**
         * How date literals are written in $filter: a bare full timestamp (OData v4 form; the default) or
         * a bare date a day earlier, for tenants that refuse timestamps (docs/heat-api.md §6 leaves it open).
         */
        filterDateFormat: z.enum(['timestamp', 'date']).default('timestamp'),
      })
      .prefault({}),
    poll: z
      .strictObject({
        enabled: z.boolean().default(true),
        intervalSeconds: z.number().int().min(1).max(3600).default(30),
        /** Re-read this far behind the watermark so that late commits are not missed. */
        overlapSeconds: z.number().int().min(0).max(86_400).default(120),
        /** Where the first poll starts when Redis holds no watermark (ISO date or timestamp). */
        startFrom: z
          .string()
          .refine((v) => !Number.isNaN(Date.parse(v)), {
            message: 'not a date',
            params: { fix: 'use an ISO date or timestamp such as 2026-08-01 or 2026-08-01T00:00:00Z' },
          })
          .optional(),
      })
      .prefault({}),
    worker: z
      .strictObject({
        concurrency: z.number().int().min(1).max(256).default(8),
        /** Transient failures (HEAT down, 5xx, 401/403) retry with exponential backoff: 10 attempts
         * from 5 s cover about 40 minutes of outage before a job fails. */
        attempts: z.number().int().min(1).max(50).default(10),
        backoffMs: z.number().int().min(10).default(5000),
        /** A job whose worker died is taken over after this long. */
        lockDurationMs: z.number().int().min(1000).default(30_000),
        stalledIntervalMs: z.number().int().min(1000).default(30_000),
        /**
         * A job that carries the ticket (a poll page row, a complete webhook body) is decided without a
         * GET. A plan that writes the team, owner or status trusts that record only this long after it
         * was current (the PATCH answer cannot show a person's change of a field we overwrite); an older
         * one is read first. Tag-only plans need no read at any age (the PATCH answer guards them).
         */
        carriedRecordMaxAgeSeconds: z.number().int().min(0).max(3600).default(10),
        /** SIGTERM waits this long for active jobs, then forces. */
        shutdownDeadlineMs: z.number().int().min(100).default(20_000),
      })
      .prefault({}),
    queue: z
      .strictObject({
        /** BullMQ key prefix; the braces make it a Redis Cluster hash tag. */
        prefix: z.string().min(1).default('{sbt}'),
      })
      .prefault({}),
    mode: z.enum(['enforce', 'shadow']).default('enforce'),
    schools: z
      .strictObject({
        /** Only these schools (OrganizationUnitID) are moved; empty = every school. */
        allow: z.array(z.string().min(1)).default([]),
        /** true: no ticket is moved and no note is written anywhere (tags still are). */
        killSwitch: z.boolean().default(false),
      })
      .prefault({}),
    counts: z
      .strictObject({
        enabled: z.boolean().default(true),
        period: z.enum(['month', 'school_year']).default('month'),
        /** 1-12; the month a school year starts (period "school_year"). */
        schoolYearStartMonth: z.number().int().min(1).max(12).default(8),
        timeZone: z
          .string()
          .min(1)
          .refine(isTimeZone, {
            message: 'not an IANA time zone',
            params: { fix: 'use a zone name such as America/Chicago or America/New_York' },
          })
          .default('America/Chicago'),
        debounceSeconds: z.number().int().min(0).max(86_400).default(900),
        /** Incident field that names the school, and the school-object field it matches. */
        schoolField: odataName('field', 'OrganizationUnitID').default('OrganizationUnitID'),
        schoolKeyField: odataName('field', 'Name').default('Name'),
        /** Cron for the nightly reconcile of the current period. */
        reconcileCron: z
          .string()
          .refine((v) => /^\s*(\S+\s+){4,5}\S+\s*$/.test(v), {
            message: 'not a cron pattern of 5 or 6 fields',
            params: { fix: "use a cron pattern such as '30 2 * * *' (02:30 every night)" },
          })
          .default('30 2 * * *'),
        /** Custom fields of the school record that receive the counts (docs/counts.md). */
        fields: z
          .strictObject({
            inScope: odataName('field', 'SBT_InScopeCount').default('SBT_InScopeCount'),
            outOfScope: odataName('field', 'SBT_OutOfScopeCount').default('SBT_OutOfScopeCount'),
            restricted: odataName('field', 'SBT_RestrictedCount').default('SBT_RestrictedCount'),
            needsReview: odataName('field', 'SBT_ReviewCount').default('SBT_ReviewCount'),
            /** One field per category: prefix + category id (SBT_Count_hardware), unless named below. */
            categoryPrefix: odataName('field', 'SBT_Count_').default('SBT_Count_'),
            categories: z
              .partialRecord(z.enum(CATEGORY_IDS), odataName('field', 'SBT_Count_hardware'))
              .default({}),
            outOfScopeShare: odataName('field', 'SBT_OutOfScopeShare').default('SBT_OutOfScopeShare'),
            period: odataName('field', 'SBT_CountPeriod').default('SBT_CountPeriod'),
            updated: odataName('field', 'SBT_CountsUpdated').default('SBT_CountsUpdated'),
          })
          .prefault({}),
      })
      .prefault({}),
    http: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Loopback unless configured: expose the port on purpose (env HTTP_HOST overrides; the image sets 0.0.0.0). */
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8080),
        /** /readyz is false when HEAT has not answered for this long. */
        heatStaleMinutes: z.number().int().min(1).default(10),
        webhookBodyLimitBytes: z.number().int().min(1024).default(65_536),
        signatureWindowSeconds: z.number().int().min(1).default(300),
        /** A request whose headers and body have not all arrived after this long gets 408. */
        requestTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
      })
      .prefault({}),
    webhook: z
      .strictObject({
        rateLimit: z
          .strictObject({
            /** Sustained requests per second per sender; default: heat.dailyCallBudget / 86400 * 10. */
            perSecond: z.number().positive().optional(),
            /** Requests a sender may send at once after a quiet spell. */
            burst: z.number().int().min(1).default(20),
          })
          .prefault({}),
        /** An unknown RecId or IncidentNumber is answered 404 from Redis this long, without asking HEAT. */
        unknownTtlSeconds: z.number().int().min(1).max(86_400).default(600),
      })
      .prefault({}),
    logging: z
      .strictObject({
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
      })
      .prefault({}),
  })
  .prefault({});

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
