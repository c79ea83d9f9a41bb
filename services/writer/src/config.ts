import { type AuthConfig, authEnv } from '@provision/auth';
import { bool, type LoadedConfig, loadConfig, positiveInt, redisEnv, serviceEnv, urlOf } from '@provision/config';
import { z } from 'zod';

const AUTH_MODES = ['password', 'jwt', 'client_credentials'] as const;

/** Which variables each `SALESFORCE_AUTH` mode needs. */
const REQUIRED_BY_AUTH: Readonly<Record<(typeof AUTH_MODES)[number], readonly string[]>> = {
  // SOAP login() (or the OAuth password grant when a client id and secret are given). The token is
  // optional: an org that trusts the caller's IP range needs none.
  password: ['SALESFORCE_USERNAME', 'SALESFORCE_PASSWORD'],
  jwt: ['SALESFORCE_CLIENT_ID', 'SALESFORCE_USERNAME', 'SALESFORCE_PRIVATE_KEY_FILE'],
  client_credentials: ['SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET'],
};

const auth = authEnv();

const base = z.object({
  ...serviceEnv(),
  ...redisEnv(),

  /**
   * Sign-in for the writer's one API route (the admin console's read of a Salesforce user), as on
   * the other services. Optional as a group: without them the writer serves no API at all (only
   * health and metrics), never an open one; with some but not all, it does not start.
   */
  AUTH_TENANT_ID: auth.AUTH_TENANT_ID.optional(),
  AUTH_AUTHORITY_HOST: auth.AUTH_AUTHORITY_HOST.optional(),
  AUTH_AUDIENCE: auth.AUTH_AUDIENCE.optional(),
  AUTH_ISSUER: auth.AUTH_ISSUER,
  AUTH_JWKS_URL: auth.AUTH_JWKS_URL,

  SALESFORCE_LOGIN_URL: urlOf('https:', 'http:'),
  SALESFORCE_INSTANCE_URL: urlOf('https:', 'http:').optional(),
  /**
   * Lets the two URLs above be http: — for a Salesforce simulator only. Otherwise an http URL is
   * refused: the password, the security token and the session would cross the network in clear.
   */
  SALESFORCE_ALLOW_INSECURE_HTTP: bool().default(false),
  SALESFORCE_AUTH: z.enum(AUTH_MODES).default('password'),
  SALESFORCE_USERNAME: z.string().optional(),
  SALESFORCE_PASSWORD: z.string().optional(),
  SALESFORCE_SECURITY_TOKEN: z.string().optional(),
  SALESFORCE_CLIENT_ID: z.string().optional(),
  SALESFORCE_CLIENT_SECRET: z.string().optional(),
  SALESFORCE_PRIVATE_KEY_FILE: z.string().optional(),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d{2,3}\.0$/, 'expected an API version such as 62.0')
    .default('62.0'),
  /** Salesforce API calls per minute for all writer replicas together. */
  SALESFORCE_API_BUDGET_PER_MINUTE: positiveInt().default(250),

  /**
   * The mapping file the mapper runs (unset: the default mapping): a command setting a field, role
   * or permission set this mapping cannot produce is refused and dead-lettered.
   */
  MAPPING_FILE: z.string().optional(),
  WRITER_DRY_RUN: bool().default(false),
  /** `disable` also freezes the login (UserLogin.IsFrozen). */
  WRITER_FREEZE_ON_DISABLE: bool().default(false),
  WRITER_MAX_BATCH: positiveInt().default(2000),
  WRITER_LINGER_MS: z.coerce.number().int().nonnegative().default(50),
  WRITER_MAX_LINGER_MS: positiveInt().default(2000),
  /** Flushes at once: while one waits on Salesforce the next is sent (calls stay within the concurrency budget). */
  WRITER_FLUSHES_AT_ONCE: positiveInt().default(4),
  WRITER_VALUES_PER_QUERY: positiveInt().default(2000),
  /**
   * Times a command whose record Salesforce refused as locked (`UNABLE_TO_LOCK_ROW`) goes back to
   * ride with a later flush, instead of holding its flush through a backoff and a call of its own;
   * after that it is retried within its flush (and fails, logged, if Salesforce never takes it).
   * 0: always retried within the flush.
   */
  WRITER_DEFER_LOCKED: z.coerce.number().int().nonnegative().default(3),
  WRITER_PARTITIONS_CONCURRENTLY: positiveInt().default(6),
  /**
   * Most commands taken from Kafka and not yet answered, all partitions together: how far the
   * writer reads ahead of Salesforce (two flushes of `WRITER_MAX_BATCH` keep one filling while the
   * other is written). During a large sync this bounds the writer's memory, about 5 KB per command.
   */
  WRITER_MAX_IN_HAND: positiveInt().default(4000),
  /**
   * The same bound for the live lane (`provisioning.commands.live.v1`, the changes Entra notified),
   * a hand of its own: a live command is taken while the sync's backlog fills `WRITER_MAX_IN_HAND`.
   * Live traffic is a trickle; this only bounds a burst of it.
   */
  WRITER_LIVE_MAX_IN_HAND: positiveInt().default(200),
  /**
   * How long a replica's hold on a partition outlives the replica: a replica taking over a partition
   * from one that died waits this long at most. Extended every third of it while the partition is worked.
   */
  WRITER_PARTITION_HOLD_MS: positiveInt().default(15_000),
  /**
   * Most bytes of commands one Kafka fetch brings in, all partitions together. A fetch is held, raw,
   * while it waits for room in the hand: 512 KiB is about 400 commands, enough to keep the hand full.
   */
  WRITER_FETCH_MAX_BYTES: positiveInt().default(512 * 1024),
  WRITER_SESSION_TIMEOUT_MS: positiveInt().default(90_000),
  WRITER_QUARANTINE_THRESHOLD: positiveInt().default(3),
  WRITER_QUARANTINE_BASE_DELAY_MS: positiveInt().default(60_000),
  WRITER_QUARANTINE_MAX_DELAY_MS: positiveInt().default(3_600_000),
  WRITER_RETRY_DELAY_MS: positiveInt().default(5_000),
  /**
   * How often a held batch (provisioning paused, or quarantined) reads the admins' decisions again
   * in Redis: a resume or a cleared quarantine takes effect within this time.
   */
  WRITER_CONTROL_POLL_MS: positiveInt().default(10_000),
  /**
   * Salesforce calls the whole fleet runs at once: the limit adapts (AIMD) to latency and
   * UNABLE_TO_LOCK_ROW between MIN and MAX. Keep MAX under the org's concurrent long-running limit
   * (25; Developer Edition 5), which other integrations share.
   */
  WRITER_CONCURRENCY_MIN: positiveInt().default(1),
  WRITER_CONCURRENCY_MAX: positiveInt().default(20),
  WRITER_CONCURRENCY_INITIAL: positiveInt().default(4),
  /** Share of a call's records refused UNABLE_TO_LOCK_ROW above which the limit is halved. */
  WRITER_CONCURRENCY_LOCKED_SHARE: z.coerce.number().min(0).max(1).default(0.2),
  /** A write this many times slower per record than the fastest seen halves the limit. */
  WRITER_CONCURRENCY_LATENCY_TOLERANCE: z.coerce.number().gt(1).default(2.5),
  /**
   * Calls of live and on-demand changes the fleet may run at once past the limit (never past MAX),
   * whatever a sync's calls hold: a change someone waits for does not queue behind the sync.
   */
  WRITER_CONCURRENCY_URGENT: positiveInt().default(2),
});

type Raw = Partial<Record<string, unknown>>;

const AUTH_REQUIRED = ['AUTH_TENANT_ID', 'AUTH_AUTHORITY_HOST', 'AUTH_AUDIENCE'] as const;

const INSECURE = 'must be https: (http: only for a simulator, with SALESFORCE_ALLOW_INSECURE_HTTP=true)';

// Run even when other variables are malformed, so the flag may still be its raw text here.
function secureOrAllowed(v: Raw, name: string): boolean {
  const allowed = v['SALESFORCE_ALLOW_INSECURE_HTTP'];
  if (allowed === true || (typeof allowed === 'string' && /^(true|1|yes)$/i.test(allowed))) return true;
  return !/^http:/i.test(String(v[name] ?? ''));
}

// One refinement per (mode, variable), each run even when other variables are malformed, so that
// every problem is reported in one message.
const schema = Object.entries(REQUIRED_BY_AUTH)
  .flatMap(([mode, names]) => names.map((name) => ({ mode, name })))
  .reduce(
    (s, { mode, name }) =>
      s.refine((v: Raw) => (v['SALESFORCE_AUTH'] ?? 'password') !== mode || typeof v[name] === 'string', {
        path: [name],
        message: `is required when SALESFORCE_AUTH=${mode}`,
        when: () => true,
      }),
    base,
  )
  .refine(
    (v: Raw) => {
      const set = AUTH_REQUIRED.filter((n) => typeof v[n] === 'string' || Array.isArray(v[n]));
      return set.length === 0 || set.length === AUTH_REQUIRED.length;
    },
    {
      path: ['AUTH_TENANT_ID'],
      message: 'AUTH_TENANT_ID, AUTH_AUTHORITY_HOST and AUTH_AUDIENCE go together: set all three (the API) or none',
      when: () => true,
    },
  )
  .refine((v: Raw) => secureOrAllowed(v, 'SALESFORCE_LOGIN_URL'), {
    path: ['SALESFORCE_LOGIN_URL'],
    message: INSECURE,
    when: () => true,
  })
  .refine((v: Raw) => secureOrAllowed(v, 'SALESFORCE_INSTANCE_URL'), {
    path: ['SALESFORCE_INSTANCE_URL'],
    message: INSECURE,
    when: () => true,
  });

const spec = {
  schema,
  secrets: ['SALESFORCE_PASSWORD', 'SALESFORCE_SECURITY_TOKEN', 'SALESFORCE_CLIENT_SECRET'] as const,
};

export type WriterConfig = LoadedConfig<typeof schema>;

/** The sign-in settings, when the writer serves its API (all three variables set). */
export function authOf(config: WriterConfig): AuthConfig | null {
  if (!config.AUTH_TENANT_ID || !config.AUTH_AUTHORITY_HOST || !config.AUTH_AUDIENCE) return null;
  return {
    AUTH_TENANT_ID: config.AUTH_TENANT_ID,
    AUTH_AUTHORITY_HOST: config.AUTH_AUTHORITY_HOST,
    AUTH_AUDIENCE: config.AUTH_AUDIENCE,
    AUTH_ISSUER: config.AUTH_ISSUER,
    AUTH_JWKS_URL: config.AUTH_JWKS_URL,
  };
}

/** The writer's configuration, validated all at once and frozen (the only reader of `process.env`). */
export function readConfig(env: Readonly<Record<string, string | undefined>> = process.env): WriterConfig {
  return loadConfig(spec, env);
}
