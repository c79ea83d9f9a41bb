export { type Caller, callerFromClaims, describeCaller } from './caller.ts';
export { type AuthConfig, authEnv, authorityOf, verifierFromConfig } from './config.ts';
export {
  type AuthErrorCode,
  bearerToken,
  callerOf,
  type ErrorBody,
  flatErrorBody,
  nestedErrorBody,
  type ProtectOptions,
  protect,
  underPath,
} from './fastify-auth.ts';
export { limitRate, type RateLimitSettings, requireJson, secureHeaders } from './http-security.ts';
export { ROLES, type Role, rolesGranting } from './roles.ts';
export { createTokenVerifier, TokenRejected, type TokenVerifier, type VerifierOptions } from './verifier.ts';
