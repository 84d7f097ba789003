import { z } from 'zod';

/**
 * Environment variables (secrets and connection strings; documented in config/.env.example).
 * Only src/config reads process.env, through readEnv(env).
 */
export const envSchema = z.object({
  HEAT_BASE_URL: z
    .url({ message: 'must be a URL such as https://district.saasit.com or https://host/HEAT' })
    .optional(),
  HEAT_API_KEY: z.string().min(1).optional(),
  HEAT_TENANT: z.string().min(1).optional(),
  HEAT_USERNAME: z.string().min(1).optional(),
  HEAT_PASSWORD: z.string().min(1).optional(),
  HEAT_ROLE: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^(rediss?|redis\+sentinel|redis\+cluster):\/\//, {
      message: 'must start with redis://, rediss://, redis+sentinel:// or redis+cluster://',
    })
    .optional(),
  SBT_CONFIG_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Address to listen on (overrides http.host); the container image sets 0.0.0.0. */
  HTTP_HOST: z.string().min(1).optional(),
  WEBHOOK_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  WEBHOOK_HMAC_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  ADMIN_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  /** Read-only: opens GET /metrics only (give it to Prometheus, not ADMIN_TOKEN). */
  METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
});

export type Env = z.output<typeof envSchema>;
