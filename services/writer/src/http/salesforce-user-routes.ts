import { apiRoutes, errorBody, ROLES, type TokenVerifier } from '@provision/auth';
import type { MappingConfig } from '@provision/mapping';
import type { SalesforceUserRead } from '@provision/salesforce';
import type { FastifyInstance } from 'fastify';
import { asCallError } from '../domain/errors.ts';
import type { LinkStore, RateBudget, SalesforceDirectory } from '../domain/ports.ts';
import { lookupSalesforceUser, matchingAttributes } from '../domain/salesforce-user-lookup.ts';

export interface SalesforceUserRouteDeps {
  readonly directory: SalesforceDirectory;
  readonly links: Pick<LinkStore, 'getMany'>;
  readonly budget: RateBudget;
  readonly mapping: MappingConfig;
  readonly verifier: TokenVerifier;
  /** Told of every refused request and every failed Salesforce read. */
  readonly log?: { warn(fields: object, message?: string): void };
  readonly onFailure?: (e: { userId: string; code: string; message: string }) => void;
}

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;

// Salesforce refusals that say "not now" rather than "not so": the console may try again later.
const UNAVAILABLE = new Set([
  'SalesforceServiceUnavailable',
  'SalesforceRequestLimitExceeded',
  'SalesforceNetworkError',
]);

/**
 * The writer's one read, with Provision.Read: `GET /api/salesforce-users/:entraObjectId` — the
 * Salesforce user of an Entra user, found as the writer finds it (stored link, link field, then
 * `?matchAttribute=&matchValue=`, an attribute the mapping matches by), with its profile, role,
 * mapped fields, permission sets and LastModifiedDate, and how it was found. 404 when no user is
 * found (the answer says what was searched), 409 when several are, 502/503 when Salesforce fails
 * (503: try again later), with the Entra-style code (`SalesforceServiceUnavailable`, …).
 */
export function registerSalesforceUserRoutes(app: FastifyInstance, deps: SalesforceUserRouteDeps): void {
  const allowed = matchingAttributes(deps.mapping);
  const door = { verifier: deps.verifier, role: ROLES.read, ...(deps.log ? { log: deps.log } : {}) };
  apiRoutes(app, door, (scope) => {
    scope.get('/api/salesforce-users/:entraObjectId', async (request, reply) => {
      const userId = (request.params as { entraObjectId: string }).entraObjectId.toLowerCase();
      if (!OBJECT_ID.test(userId)) {
        return reply.code(400).send(errorBody('PRV_BAD_REQUEST', "Path 'entraObjectId': expected an Entra object id"));
      }
      const q = request.query as { matchAttribute?: unknown; matchValue?: unknown };
      const attribute = typeof q.matchAttribute === 'string' && q.matchAttribute !== '' ? q.matchAttribute : undefined;
      const value = typeof q.matchValue === 'string' && q.matchValue !== '' ? q.matchValue : undefined;
      if ((attribute === undefined) !== (value === undefined)) {
        return reply
          .code(400)
          .send(
            errorBody('PRV_BAD_REQUEST', "Query 'matchAttribute' and 'matchValue' go together: give both or neither"),
          );
      }
      if (attribute !== undefined && !allowed.has(attribute)) {
        return reply
          .code(400)
          .send(
            errorBody(
              'PRV_BAD_REQUEST',
              `Query 'matchAttribute': expected an attribute the mapping matches by (${[...allowed].join(', ')})`,
            ),
          );
      }
      const match = attribute !== undefined && value !== undefined ? { attribute, value } : null;
      let answer: Awaited<ReturnType<typeof lookupSalesforceUser>>;
      try {
        answer = await lookupSalesforceUser(userId, match, deps);
      } catch (error) {
        const { failure } = asCallError(error);
        deps.onFailure?.({ userId, code: failure.code, message: failure.message });
        const unavailable = failure.retriable || UNAVAILABLE.has(failure.code);
        return reply.code(unavailable ? 503 : 502).send(
          errorBody(failure.code, `Salesforce did not answer the read: ${failure.message}`, {
            retriable: unavailable,
            details: failure.salesforceCode ? { salesforceCode: failure.salesforceCode } : {},
          }),
        );
      }
      const link = deps.mapping.link ? { field: deps.mapping.link.field } : null;
      if (!answer.found) {
        // What was searched, under details: the console and the CLI show it.
        const details = {
          reason: answer.reason,
          ids: answer.ids,
          tried: answer.tried,
          link,
          apiCalls: answer.apiCalls,
        };
        return reply
          .code(answer.reason === 'ambiguous' ? 409 : 404)
          .send(
            errorBody(answer.reason === 'ambiguous' ? 'PRV_AMBIGUOUS' : 'PRV_NOT_FOUND', answer.message, { details }),
          );
      }
      const read: SalesforceUserRead = {
        userId,
        foundBy: answer.foundBy,
        salesforce: answer.user,
        tried: answer.tried,
        link,
        apiCalls: answer.apiCalls,
        readAt: new Date().toISOString(),
      };
      return read;
    });
  });
}
