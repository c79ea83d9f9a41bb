import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ProvisionError } from '@provision/errors';

/**
 * ioredis options for `REDIS_URL` beyond what the URL says: with `rediss://` and
 * `REDIS_TLS_CA_FILE`, the CA that signed the server's certificate (ioredis turns TLS on for
 * `rediss://` by itself, trusting the system's CAs). The ACL user and password stay in the URL.
 */
export function redisOptions(config: {
  readonly REDIS_URL?: string | undefined;
  readonly REDIS_TLS_CA_FILE?: string | undefined;
}): {
  tls?: ConnectionOptions;
} {
  if (!config.REDIS_URL?.startsWith('rediss:') || !config.REDIS_TLS_CA_FILE) return {};
  try {
    return { tls: { ca: [readFileSync(config.REDIS_TLS_CA_FILE)] } };
  } catch (error) {
    throw new ProvisionError('PRV_CONFIG_INVALID', `REDIS_TLS_CA_FILE: cannot read ${config.REDIS_TLS_CA_FILE}`, {
      cause: error,
    });
  }
}
