import { authEnv } from '@provision/auth';
import { type Env, type LoadedConfig, loadConfig, positiveInt, redisEnv, serviceEnv, urlOf } from '@provision/config';
import { z } from 'zod';

const schema = z
  .object({
    ...serviceEnv(),
    ...redisEnv(),
    ...authEnv(),
    /** Graph's root; the simulator's URL in tests and the demo. */
    GRAPH_BASE_URL: urlOf('https:').default('https://graph.microsoft.com'),
    /** Where tokens come from; the simulator serves its own token endpoint. */
    GRAPH_AUTHORITY_HOST: urlOf('https:').default('https://login.microsoftonline.com'),
    GRAPH_TENANT_ID: z.string().min(1),
    GRAPH_CLIENT_ID: z.string().min(1),
    GRAPH_CLIENT_SECRET: z.string().min(1),
    /** Object id of the enterprise application's service principal whose assignments are read. */
    GRAPH_SERVICE_PRINCIPAL_ID: z.string().min(1),
    /** Polling backstop between incremental rounds (change notifications trigger rounds sooner). */
    SYNC_INTERVAL_MS: positiveInt().default(300_000),
    /**
     * Pause between two polls of the app's assignments alone (Graph does not notify their changes):
     * a round is requested only when they differ from the last snapshot. 0 disables the poll.
     */
    ASSIGNMENT_POLL_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
    /** Public https base URL of this service; subscriptions are created only when it is set. */
    WEBHOOK_PUBLIC_URL: urlOf('https:', 'http:').optional(),
    /** Shared secret Graph echoes in every notification (at most 128 characters). */
    WEBHOOK_CLIENT_STATE: z.string().min(16, 'expected at least 16 characters').max(128).optional(),
    /**
     * Leader election (every replica runs it; one reads Graph): the lease's lifetime without
     * renewal, and the pause between renewals (leader) or attempts to take it (standby). A killed
     * leader is replaced within TTL + interval (8 s by default); one that shuts down within an interval.
     */
    LEADER_LEASE_TTL_MS: positiveInt().min(1000).default(6000),
    LEADER_RENEW_INTERVAL_MS: positiveInt().min(100).default(2000),
  })
  .refine((config) => config.LEADER_RENEW_INTERVAL_MS * 2 < config.LEADER_LEASE_TTL_MS, {
    path: ['LEADER_RENEW_INTERVAL_MS'],
    message: 'must be under half of LEADER_LEASE_TTL_MS (a leader must renew at least twice per lease)',
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })
  .refine((config) => config.WEBHOOK_PUBLIC_URL === undefined || config.WEBHOOK_CLIENT_STATE !== undefined, {
    path: ['WEBHOOK_CLIENT_STATE'],
    message: 'is required when WEBHOOK_PUBLIC_URL is set',
    // Checked even when other variables are wrong, so one message names every problem.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export type IngestorConfig = LoadedConfig<typeof schema>;

/** The ingestor's configuration, validated all at once (one `PRV_CONFIG_INVALID` naming every problem). */
export function readConfig(env: Env = process.env): IngestorConfig {
  return loadConfig({ schema, secrets: ['GRAPH_CLIENT_SECRET', 'WEBHOOK_CLIENT_STATE'] }, env);
}
