import { urlOf } from '@provision/config';
import { z } from 'zod';
import { createTokenVerifier, type TokenVerifier } from './verifier.ts';

const list = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .refine((l) => l.length > 0, { message: 'expected one value or a comma-separated list' });

/**
 * The sign-in variables every service with an HTTP API reads. There is no switch to turn sign-in
 * off: an API left open by accident is the threat. Locally, graph-sim is the identity provider.
 */
export function authEnv() {
  return {
    /** The Entra tenant (directory) id whose tokens are accepted. */
    AUTH_TENANT_ID: z.string().regex(/^[0-9a-fA-F-]{36}$/, 'expected a tenant id (a GUID)'),
    /** The authority host that issues them (Entra's login host, or graph-sim's URL in the demo). */
    AUTH_AUTHORITY_HOST: urlOf('https:'),
    /** The Provision API app registration: its application (client) id and/or App ID URI. */
    AUTH_AUDIENCE: list(),
    /** Accepted issuers; default `<AUTH_AUTHORITY_HOST>/<AUTH_TENANT_ID>/v2.0` (Entra v2 tokens). */
    AUTH_ISSUER: list().optional(),
    /** Where the signing keys are; default `<AUTH_AUTHORITY_HOST>/<AUTH_TENANT_ID>/discovery/v2.0/keys`. */
    AUTH_JWKS_URL: urlOf('https:').optional(),
  };
}

export interface AuthConfig {
  readonly AUTH_TENANT_ID: string;
  readonly AUTH_AUTHORITY_HOST: string;
  readonly AUTH_AUDIENCE: readonly string[];
  readonly AUTH_ISSUER?: readonly string[] | undefined;
  readonly AUTH_JWKS_URL?: string | undefined;
}

/** The authority of the tenant, `<host>/<tenant>`, without a trailing slash. */
export function authorityOf(config: AuthConfig): string {
  return `${config.AUTH_AUTHORITY_HOST.replace(/\/+$/, '')}/${config.AUTH_TENANT_ID.toLowerCase()}`;
}

/** The token verifier the configuration describes (keys fetched from the tenant's JWKS). */
export function verifierFromConfig(config: AuthConfig): TokenVerifier {
  const authority = authorityOf(config);
  return createTokenVerifier({
    issuer: config.AUTH_ISSUER ?? [`${authority}/v2.0`],
    audience: config.AUTH_AUDIENCE,
    keys: new URL(config.AUTH_JWKS_URL ?? `${authority}/discovery/v2.0/keys`),
    tenantId: config.AUTH_TENANT_ID.toLowerCase(),
  });
}
