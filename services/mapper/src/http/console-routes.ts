import { apiRoutes, errorBody, ROLES, type TokenVerifier } from '@provision/auth';
import { formatProblem, type MappingConfig, parseMappingConfig } from '@provision/mapping';
import type { FastifyInstance } from 'fastify';
import { decideUser } from '../domain/decide-user.ts';
import { assignmentsOf, type UserPicture } from '../domain/picture.ts';
import type { MappingStateStore, PictureStore } from '../domain/ports.ts';

export interface ConsoleRouteDeps {
  readonly pictures: Pick<PictureStore, 'load' | 'usersOf'>;
  /** Partitions of `entra.directory.v1`: where the preview finds sample users. */
  readonly partitions: number;
  readonly mapping: MappingConfig;
  /** The mapping's fingerprint, and where the last mapping change is recorded (absent: not shown). */
  readonly fingerprint?: string;
  readonly mappingState?: Pick<MappingStateStore, 'lastChange'>;
  readonly verifier: TokenVerifier;
  readonly dryRun: boolean;
  /** Told of every refused request. */
  readonly log?: { warn(fields: object, message?: string): void };
}

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;
const MAX_SAMPLE = 500;

const preview = (picture: UserPicture, mapping: MappingConfig) =>
  decideUser(picture, mapping, { newId: () => 'preview', now: () => new Date(), dryRun: true, origin: 'sync' });

/** Up to `n` users the mapper holds, taken from every partition in turn. */
async function sampleUsers(deps: ConsoleRouteDeps, n: number): Promise<string[]> {
  const ids: string[] = [];
  const per = Math.max(1, Math.ceil(n / deps.partitions));
  for (let p = 0; p < deps.partitions && ids.length < n; p++) {
    for await (const chunk of deps.pictures.usersOf(p, per)) {
      ids.push(...chunk.slice(0, Math.min(per, n - ids.length)));
      break;
    }
  }
  return ids;
}

/**
 * What the admin console reads from the mapper, with Provision.Read:
 * - `GET /api/users/:userId` — the user's picture as the mapper holds it (attributes, groups,
 *   assignments, what it last commanded) and the decision it would take now, with its reasons (a
 *   preview: nothing is emitted or saved);
 * - `GET /api/mapping` — the effective mapping configuration, its fingerprint and the last mapping
 *   change (when, from and to which fingerprint, what changed, each partition's re-evaluation);
 * - `POST /api/mapping/preview { mapping, sample }` — a dry run of another mapping (YAML or JSON
 *   text) over up to `sample` users the mapper holds: for each, what the current and the proposed
 *   mapping decide and which Salesforce fields would differ. Nothing is emitted or saved.
 */
export function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleRouteDeps): void {
  const door = { verifier: deps.verifier, role: ROLES.read, ...(deps.log ? { log: deps.log } : {}) };
  apiRoutes(app, door, (scope) => {
    scope.get('/api/users/:userId', async (request, reply) => {
      const userId = (request.params as { userId: string }).userId.toLowerCase();
      if (!OBJECT_ID.test(userId)) {
        return reply.code(400).send(errorBody('PRV_BAD_REQUEST', "Path 'userId': expected an Entra object id"));
      }
      const picture = (await deps.pictures.load([userId])).get(userId);
      if (!picture) {
        return reply.code(404).send(errorBody('PRV_NOT_FOUND', `The mapper holds no picture of user '${userId}'`));
      }
      const now = preview(picture, deps.mapping);
      const { decision } = now;
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
          wouldEmit: now.command !== null,
        },
        dryRun: deps.dryRun,
      };
    });
    scope.get('/api/mapping', async () => ({
      mapping: deps.mapping,
      fingerprint: deps.fingerprint ?? null,
      lastChange: (await deps.mappingState?.lastChange()) ?? null,
    }));
  });
  // A preview is a read (it emits and saves nothing), with a JSON body.
  apiRoutes(app, { ...door, json: true }, (scope) => {
    scope.post('/api/mapping/preview', { bodyLimit: 256 * 1024 }, async (request, reply) => {
      const body = (request.body ?? {}) as { mapping?: unknown; sample?: unknown };
      const sample = body.sample === undefined ? 50 : body.sample;
      if (typeof body.mapping !== 'string' || body.mapping.trim() === '') {
        return reply
          .code(400)
          .send(errorBody('PRV_BAD_REQUEST', "Body field 'mapping': expected the mapping as YAML or JSON text"));
      }
      if (typeof sample !== 'number' || !Number.isInteger(sample) || sample < 1 || sample > MAX_SAMPLE) {
        return reply
          .code(400)
          .send(errorBody('PRV_BAD_REQUEST', `Body field 'sample': expected a whole number from 1 to ${MAX_SAMPLE}`));
      }
      const parsed = parseMappingConfig(body.mapping);
      if (!parsed.ok) {
        const problems = parsed.problems.map(formatProblem);
        return reply.code(400).send(
          errorBody('PRV_MAPPING_INVALID', `The proposed mapping is not valid: ${problems.join('; ')}`, {
            details: { problems },
          }),
        );
      }
      const ids = await sampleUsers(deps, sample);
      const pictures = await deps.pictures.load(ids);
      const users = [...pictures.values()].map((picture) => {
        const current = preview(picture, deps.mapping).decision;
        const proposed = preview(picture, parsed.config).decision;
        const before = current.desired.update;
        const after = proposed.desired.update;
        const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
          .filter((f) => JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null))
          .sort()
          .map((name) => ({ name, current: before[name] ?? null, proposed: after[name] ?? null }));
        return {
          userId: picture.id,
          userPrincipalName:
            typeof picture.attributes['userPrincipalName'] === 'string'
              ? picture.attributes['userPrincipalName']
              : null,
          current: { action: current.action, inScope: current.inScope },
          proposed: { action: proposed.action, inScope: proposed.inScope, reasons: proposed.reasons },
          fields,
        };
      });
      const changed = users.filter(
        (u) =>
          u.fields.length > 0 || u.current.inScope !== u.proposed.inScope || u.current.action !== u.proposed.action,
      );
      return {
        sampled: users.length,
        changed: changed.length,
        users: changed,
        warnings: parsed.warnings.map(formatProblem),
      };
    });
  });
}
