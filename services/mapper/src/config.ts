import { authEnv } from '@provision/auth';
import { bool, type Env, loadConfig, positiveInt, redisEnv, serviceEnv } from '@provision/config';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv({ httpPort: 8082 }),
  ...redisEnv(),
  ...authEnv(),
  /** A mapping file (YAML or JSON); the Salesforce default mapping when unset. */
  MAPPING_FILE: z.string().optional(),
  /** Every command is a preview: the writer reports what it would do and writes nothing. */
  DRY_RUN: bool().default(false),
  /** Deactivations allowed per window before the rest are staged; 0 turns the guard off (Entra's default is 500). */
  DEACTIVATION_GUARD_THRESHOLD: z.coerce.number().int().min(0).default(500),
  DEACTIVATION_GUARD_WINDOW_MS: positiveInt().default(3_600_000),
  /** First retry of a user Salesforce refused; each next one waits 5 times longer, up to RETRY_MAX_MS. */
  RETRY_BASE_MS: positiveInt().default(60_000),
  RETRY_MAX_MS: positiveInt().default(6 * 3_600_000),
  /** First retry of a user whose command failed transiently (server error, lock, network); doubles up to RETRY_TRANSIENT_MAX_MS. */
  RETRY_TRANSIENT_BASE_MS: positiveInt().default(10_000),
  RETRY_TRANSIENT_MAX_MS: positiveInt().default(120_000),
});

export type MapperConfig = Readonly<z.infer<typeof schema>>;

/** The mapper's configuration; the only reader of `process.env`. */
export function readConfig(env: Env = process.env): MapperConfig {
  return loadConfig({ schema }, env);
}
