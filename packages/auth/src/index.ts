export { type ApiRoutesOptions, apiRoutes } from './api-routes.ts';
export { type Caller, callerFromClaims, describeCaller } from './caller.ts';
export { type AuthConfig, authEnv, authorityOf, verifierFromConfig } from './config.ts';
export {
  type AuthErrorCode,
  bearerToken,
  callerOf,
  initiatorOf,
  type ProtectOptions,
  protect,
  underPath,
} from './fastify-auth.ts';
export {
  type ErrorAnswer,
  type ErrorHandlingOptions,
  errorBody,
  registerErrorHandling,
  statusOf,
} from './http-errors.ts';
export { limitRate, type RateLimitSettings, requireJson, secureHeaders } from './http-security.ts';
export { ROLES, type Role, rolesGranting } from './roles.ts';
export { createTokenVerifier, TokenRejected, type TokenVerifier, type VerifierOptions } from './verifier.ts';
