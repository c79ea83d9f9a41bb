import type { FastifyRequest } from 'fastify';
import { RestRequestError } from './errors.ts';
import type { Session } from './org.ts';

/** The session of an authenticated REST request (set by the server's onRequest hook). */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new RestRequestError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  return request.session;
}

export function base(request: FastifyRequest): string {
  return `/services/data/${(request.params as { version: string }).version}`;
}
