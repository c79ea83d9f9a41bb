import { authEnv } from '@provision/auth';
import { type Env, loadConfig, positiveInt, serviceEnv, urlOf } from '@provision/config';
import { z } from 'zod';

const emailList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((a) => /^[^\s@]+@[^\s@]+$/.test(a)), {
    message: 'expected a comma-separated list of email addresses',
  });

const schema = z
  .object({
    ...serviceEnv(),
    ...authEnv(),
    /**
     * The dashboard's app registration (an SPA redirect URI to this service's `/`): its client id.
     * Default: the first AUTH_AUDIENCE value that is a client id (one app registration for both).
     */
    AUTH_DASHBOARD_CLIENT_ID: z.string().min(1).optional(),
    /** The scope the dashboard asks for; default `api://<AUTH_DASHBOARD_CLIENT_ID>/access_as_user`. */
    AUTH_DASHBOARD_SCOPE: z.string().min(1).optional(),
    /**
     * The authority as the admins' browsers reach it, when that differs from the services' view
     * (the compose sandbox: `https://localhost:8443/<tenant>`); default `<AUTH_AUTHORITY_HOST>/<tenant>`.
     */
    AUTH_DASHBOARD_AUTHORITY: urlOf('https:').optional(),
    DATABASE_URL: urlOf('postgres:', 'postgresql:'),
    // Quoted into SQL as an identifier, so only a plain lower-case name is accepted.
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier')
      .default('provision'),
    /** PostgreSQL cancels any query of the audit running longer than this (0 = no limit). */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
    /** Exports (CSV, NDJSON) streamed at once; each holds a database connection while it runs. */
    AUDIT_MAX_CONCURRENT_EXPORTS: positiveInt().default(2),
    REDIS_URL: urlOf('redis:', 'rediss:').optional(),
    REDIS_TLS_CA_FILE: z.string().optional(),
    REDIS_PREFIX: z.string().default('provision:'),
    AUDIT_RETENTION_DAYS: positiveInt().default(30),
    SMTP_URL: urlOf('smtp:', 'smtps:').optional(),
    /**
     * `tls` (implied by smtps://), `starttls` (implied by smtp://: the upgrade is required, never
     * opportunistic), or `none`: plain text, for a relay on the same host or pod only.
     */
    SMTP_SECURE: z.enum(['tls', 'starttls', 'none']).optional(),
    ALERT_EMAIL_TO: emailList.optional(),
    ALERT_EMAIL_FROM: z.string().default('Provision <provision@localhost>'),
    ALERT_DIGEST_INTERVAL_MS: positiveInt().default(60_000),
    /** The ingestor's and the mapper's HTTP API, for the admin console (provision on demand, the guard, a user's picture). */
    INGESTOR_URL: urlOf('http:', 'https:').optional(),
    MAPPER_URL: urlOf('http:', 'https:').optional(),
    /** The writer's HTTP API, for the console's live Salesforce record of a user (the writer needs AUTH_* set). */
    WRITER_URL: urlOf('http:', 'https:').optional(),
    /** The writers' SALESFORCE_API_BUDGET_PER_MINUTE, for the console's budget gauge (it reads the use from Redis). */
    SALESFORCE_API_BUDGET_PER_MINUTE: positiveInt().optional(),
    /** Where admins reach the dashboard; linked from the failure emails. */
    AUDIT_PUBLIC_URL: urlOf('http:', 'https:').optional(),
  })
  .refine(
    (c) =>
      c.SMTP_URL === undefined ||
      c.SMTP_SECURE === undefined ||
      (c.SMTP_SECURE === 'tls') === c.SMTP_URL.startsWith('smtps:'),
    { message: 'tls goes with an smtps:// SMTP_URL, starttls and none with smtp://', path: ['SMTP_SECURE'] },
  )
  .refine((c) => (c.SMTP_URL === undefined) === (c.ALERT_EMAIL_TO === undefined), {
    message: 'SMTP_URL and ALERT_EMAIL_TO go together: set both to send failure emails, or neither',
    path: ['ALERT_EMAIL_TO'],
  });

/** The audit service's configuration, validated at once and frozen. */
export type AuditConfig = ReturnType<typeof readConfig>;

/** Reads and validates the environment; throws one `PRV_CONFIG_INVALID` naming every problem. */
export function readConfig(env: Env = process.env) {
  // Connection URLs may carry a password: never shown, even when malformed.
  return loadConfig({ schema, secrets: ['SMTP_URL', 'DATABASE_URL', 'REDIS_URL'] }, env);
}
