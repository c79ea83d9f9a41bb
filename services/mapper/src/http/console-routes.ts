import { flatErrorBody, protect, ROLES, type TokenVerifier } from '@provision/auth';
import type { MappingConfig } from '@provision/mapping';
import type { FastifyInstance } from 'fastify';
import { decideUser } from '../domain/decide-user.ts';
import { assignmentsOf } from '../domain/picture.ts';
import type { PictureStore } from '../ports.ts';

export interface ConsoleRouteDeps {
  readonly pictures: Pick<PictureStore, 'load'>;
  readonly mapping: MappingConfig;
  readonly verifier: TokenVerifier;
  readonly dryRun: boolean;
  readonly onRefused?: (e: { status: number; reason: string; url: string }) => void;
}

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;

/**
 * What the admin console reads from the mapper, with Provision.Read:
 * - `GET /api/users/:userId` — the user's picture as the mapper holds it (attributes, groups,
 *   assignments, what it last commanded) and the decision it would take now, with its reasons (a
 *   preview: nothing is emitted or saved);
 * - `GET /api/mapping` — the effective mapping configuration.
 */
export function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleRouteDeps): void {
  void app.register(async (scope) => {
    protect(scope, {
      verifier: deps.verifier,
      role: ROLES.read,
      errorBody: flatErrorBody,
      ...(deps.onRefused ? { onRefused: deps.onRefused } : {}),
    });
    scope.get('/api/users/:userId', async (request, reply) => {
      const userId = (request.params as { userId: string }).userId.toLowerCase();
      if (!OBJECT_ID.test(userId)) {
        return reply.code(400).send(flatErrorBody('PRV_BAD_REQUEST', "Path 'userId': expected an Entra object id"));
      }
      const picture = (await deps.pictures.load([userId])).get(userId);
      if (!picture) {
        return reply
          .code(404)
          .send({ code: 'PRV_NOT_FOUND', message: `The mapper holds no picture of user '${userId}'` });
      }
      const preview = decideUser(picture, deps.mapping, {
        newId: () => 'preview',
        now: () => new Date(),
        dryRun: true,
        origin: 'sync',
      });
      const { decision } = preview;
      return {
        userId,
        picture: {
          known: picture.known,
          removal: picture.removal,
          attributes: picture.attributes,
          groups: picture.groups,
          assignments: assignmentsOf(picture),
          commanded: picture.commanded,
          granted: picture.granted,
          lastSeenSyncId: picture.lastSeenSyncId,
          changeId: picture.changeId,
        },
        decision: {
          action: decision.action,
          inScope: decision.inScope,
          reasons: decision.reasons,
          matchingKey: decision.matchingKey,
          modifiedProperties: decision.modifiedProperties,
          desired: decision.desired,
          wouldEmit: preview.command !== null,
        },
        dryRun: deps.dryRun,
      };
    });
    scope.get('/api/mapping', async () => ({ mapping: deps.mapping }));
  });
}
