import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

/** An audit log entry shaped as the audit service answers it (Entra's provisioningObjectSummary). */
export function logEntry(overrides: Record<string, unknown> & { userId: string; commandId: string }) {
  const { userId, commandId, upn, ...rest } = overrides as Record<string, unknown> & {
    userId: string;
    commandId: string;
    upn?: string;
  };
  return {
    id: commandId,
    commandId,
    changeId: `change-${commandId}`,
    cycleId: null,
    activityDateTime: '2026-11-26T10:00:00.000Z',
    provisioningAction: 'create',
    action: 'create',
    status: 'success',
    durationInMilliseconds: 420,
    sourceIdentity: { id: userId, type: 'User', userPrincipalName: upn ?? null },
    targetIdentity: { id: '005000000000001AAA', type: 'User', linkedBy: 'created' },
    modifiedProperties: [],
    provisioningSteps: [],
    errorInfo: null,
    reasons: [],
    dryRun: false,
    origin: 'on-demand',
    attempt: 1,
    issuedAt: null,
    startedAt: null,
    completedAt: null,
    ...rest,
  };
}

type Entry = ReturnType<typeof logEntry>;

/**
 * The three service APIs the CLI calls, as small fastify servers on port 0: the audit log
 * (`GET /api/provisioning-logs`), the ingestor (`POST /api/provision-on-demand`, the job's switches),
 * the mapper's guard and the writer's Salesforce read. On demand, the ingestor stub adds a pending entry; the audit answers it pending once, then
 * with the scripted result — the order in which the real pipeline fills the log.
 */
/** An error answer as every service gives it: `{ error: { code, message, retriable, details } }`. */
const failure = (code: string, message: string, details: Record<string, unknown> = {}) => ({
  error: { code, message, retriable: false, details },
});

export class ServiceStubs {
  entries: Entry[] = [];
  readonly auditQueries: Record<string, string>[] = [];
  readonly onDemandRequests: string[] = [];
  /** Entra users the ingestor knows, with the result their on-demand provisioning produces (null: no command). */
  readonly directory = new Map<string, Partial<Entry> | null>();
  /** Users Entra no longer has: the ingestor publishes their removal; the entry its link check gets. */
  /** Users in Entra's deleted items, with the result their removal gets. */
  readonly removed = new Map<string, Partial<Entry>>();
  staged: string[] = [];
  releaseCalls = 0;
  /** The ingestor's job switches: the pause, the quarantine, and what each call sent. */
  paused: { since: string; by: { kind: string; id: string; name: string }; reason: string | null } | null = null;
  quarantine: Record<string, unknown> | null = null;
  readonly controlCalls: { path: string; body: unknown }[] = [];
  /** When set, the ingestor and the writer refuse every API call with this status (401 or 403). */
  refuse: 401 | 403 | undefined;
  /** Salesforce users the writer finds, by Entra object id. */
  readonly salesforce = new Map<string, Record<string, unknown>>();
  readonly writerQueries: Record<string, string>[] = [];
  readonly #completions = new Map<string, Entry>();
  readonly #apps: FastifyInstance[] = [];
  auditUrl = '';
  ingestorUrl = '';
  mapperUrl = '';
  writerUrl = '';

  async start(): Promise<this> {
    const audit = Fastify();
    audit.get('/api/provisioning-logs', async (request, reply) => {
      const query = request.query as Record<string, string>;
      this.auditQueries.push(query);
      if (query['status'] === 'bogus') {
        return reply.code(400).send({
          error: {
            code: 'PRV_BAD_REQUEST',
            message: "status: 'bogus' is not one of success,failure",
            retriable: false,
          },
        });
      }
      const who = query['userId']?.toLowerCase();
      const matches = this.entries.filter(
        (e) =>
          who === undefined || e.sourceIdentity.id === who || e.sourceIdentity.userPrincipalName?.toLowerCase() === who,
      );
      const items = matches.slice(0, Number(query['limit'] ?? 50));
      // A pending entry is seen pending once; the next read finds the result.
      for (const item of items) {
        const done = this.#completions.get(item.commandId);
        if (done) {
          this.#completions.delete(item.commandId);
          this.entries = this.entries.map((e) => (e.commandId === item.commandId ? done : e));
        }
      }
      if (query['format'] === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8').header('x-next-cursor', 'page-2');
        return `activityDateTime,action,status\n${items.map((e) => `${e.activityDateTime},${e.action},${e.status}`).join('\n')}\n`;
      }
      return { items, nextCursor: items.length < matches.length ? 'next-page' : null };
    });

    const ingestor = Fastify();
    ingestor.post('/api/provision-on-demand', async (request, reply) => {
      const { userId, deprovisionIfGone } = request.body as { userId: string; deprovisionIfGone?: boolean };
      this.onDemandRequests.push(userId);
      if (this.paused) {
        return reply
          .code(409)
          .send(
            failure('PRV_PROVISIONING_PAUSED', `Provisioning is paused by ${this.paused.by.name}: resume it first.`),
          );
      }
      // As the ingestor: a user in deleted items (`removed`) has its removal published; an id Entra
      // does not know at all is not found unless its removal is asked for.
      const gone = !this.directory.has(userId);
      const removal = this.removed.has(userId) ? 'soft' : 'hard';
      if (gone && removal === 'hard' && deprovisionIfGone !== true)
        return reply
          .code(404)
          .send(failure('PRV_NOT_FOUND', `Entra ID has no user ${userId}, not even in deleted items.`, { userId }));
      const result = gone ? this.removed.get(userId) : this.directory.get(userId);
      if (result) {
        const commandId = `cmd-${this.onDemandRequests.length}`;
        this.entries.unshift(
          logEntry({
            userId,
            commandId,
            status: 'pending',
            targetIdentity: { id: null, type: 'User', linkedBy: null },
          }),
        );
        this.#completions.set(commandId, logEntry({ userId, commandId, ...result }));
      }
      if (gone)
        return {
          syncId: 'on-demand-2026-11-26T10:00:00.000Z',
          userId,
          published: { 'user.removed': 1 },
          removed: removal,
        };
      return {
        syncId: 'on-demand-2026-11-26T10:00:00.000Z',
        userId,
        published: { 'user.upserted': 1, 'assignment.changed': 1 },
      };
    });

    const refusal = (reply: FastifyReply, role: string) =>
      this.refuse === 401
        ? reply.code(401).send(failure('PRV_UNAUTHENTICATED', 'Sign in: this API needs a bearer token.'))
        : reply.code(403).send(failure('PRV_FORBIDDEN', `This needs the app role ${role}.`));
    const ADMIN = { kind: 'app', id: 'cli-app', name: 'provision-cli' };
    ingestor.get('/api/provisioning', async (_request, reply) =>
      this.refuse ? refusal(reply, 'Provision.Read') : { paused: this.paused },
    );
    const control = (path: string, act: (body: Record<string, unknown>) => unknown) =>
      ingestor.post(path, async (request, reply) => {
        if (this.refuse) return refusal(reply, 'Provision.Operate');
        const body = request.body as Record<string, unknown>;
        this.controlCalls.push({ path, body });
        return act(body);
      });
    control('/api/provisioning/pause', (body) => {
      this.paused ??= { since: '2026-12-05T08:00:00.000Z', by: ADMIN, reason: (body['reason'] as string) ?? null };
      return { paused: this.paused };
    });
    control('/api/provisioning/resume', () => {
      const ended = this.paused;
      this.paused = null;
      return { paused: null, ended, resumedBy: ADMIN };
    });
    control('/api/provisioning/restart', () => {
      const lifted = this.quarantine;
      this.quarantine = null;
      return {
        restartedAt: '2026-12-05T08:00:00.000Z',
        requestedBy: ADMIN,
        fullSync: this.paused ? 'after-resume' : 'requested',
        quarantineLifted: lifted,
      };
    });
    control('/api/writer-quarantine/clear', () => {
      const lifted = this.quarantine;
      this.quarantine = null;
      return { lifted, clearedBy: ADMIN };
    });

    const writer = Fastify();
    writer.get('/api/salesforce-users/:id', async (request, reply) => {
      if (this.refuse) return refusal(reply, 'Provision.Read');
      const { id } = request.params as { id: string };
      this.writerQueries.push({ id, ...(request.query as Record<string, string>) });
      const tried = [{ by: 'link-field', attribute: 'EntraObjectId__c', value: id, found: [] }];
      const user = this.salesforce.get(id);
      if (!user)
        return reply.code(404).send(
          failure('PRV_NOT_FOUND', `No Salesforce user found for ${id}`, {
            reason: 'not-found',
            ids: [],
            tried,
            link: { field: 'EntraObjectId__c' },
            apiCalls: 1,
          }),
        );
      return {
        userId: id,
        foundBy: 'link-field',
        salesforce: user,
        tried,
        apiCalls: 2,
        readAt: '2026-12-05T08:00:00Z',
      };
    });

    const mapper = Fastify();
    mapper.get('/api/deactivation-guard', async () => ({ staged: this.staged }));
    mapper.post('/api/deactivation-guard/release', async () => {
      this.releaseCalls++;
      const released = this.staged.length;
      this.staged = [];
      return { released };
    });

    const listen = async (app: FastifyInstance) => {
      this.#apps.push(app);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    };
    [this.auditUrl, this.ingestorUrl, this.mapperUrl, this.writerUrl] = await Promise.all([
      listen(audit),
      listen(ingestor),
      listen(mapper),
      listen(writer),
    ]);
    return this;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#apps.map((a) => a.close()));
  }
}
