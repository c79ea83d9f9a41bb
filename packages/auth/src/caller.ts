import type { JWTPayload } from 'jose';

/** Who called: a signed-in person (delegated token) or an application (client credentials). */
export interface Caller {
  readonly kind: 'user' | 'app';
  /** Object id (`oid`) of the user or of the calling app's service principal. */
  readonly id: string;
  readonly tenantId: string | null;
  /** The user's sign-in name (`preferred_username`, else `upn`), for users. */
  readonly username: string | null;
  /** Display name (`name`), when the token carries one. */
  readonly name: string | null;
  /** Client id of the calling application (`azp` in v2 tokens, `appid` in v1). */
  readonly appId: string | null;
  /** App roles granted to the caller (`roles`). */
  readonly roles: readonly string[];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * The caller a verified token describes. A delegated token carries `scp` (the scopes the user
 * consented to); an app-only token carries none, only `roles` (Entra's documented way to tell them
 * apart, with the optional `idtyp` claim when present).
 */
export function callerFromClaims(claims: JWTPayload): Caller {
  const app = claims['idtyp'] === 'app' || (claims['idtyp'] !== 'user' && typeof claims['scp'] !== 'string');
  const roles = Array.isArray(claims['roles']) ? claims['roles'].filter((r): r is string => typeof r === 'string') : [];
  return {
    kind: app ? 'app' : 'user',
    id: text(claims['oid']) ?? text(claims.sub) ?? 'unknown',
    tenantId: text(claims['tid']),
    username: app ? null : (text(claims['preferred_username']) ?? text(claims['upn']) ?? text(claims['unique_name'])),
    name: text(claims['name']) ?? text(claims['app_displayname']),
    appId: text(claims['azp']) ?? text(claims['appid']),
    roles,
  };
}

/** One line naming the caller, for logs and the provisioning log: `Adele Vance <adele@…> (user 1f…)`. */
export function describeCaller(caller: Caller): string {
  if (caller.kind === 'app') {
    return `${caller.name ? `${caller.name} ` : ''}(app ${caller.appId ?? caller.id})`;
  }
  const who = caller.name && caller.username ? `${caller.name} <${caller.username}>` : (caller.username ?? caller.name);
  return `${who ? `${who} ` : ''}(user ${caller.id})`;
}
