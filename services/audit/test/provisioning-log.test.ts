import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';
import type { ProvisioningLogEntry } from '../src/domain/log-entry.ts';
import { encodeCursor } from '../src/domain/log-query.ts';
import type { SyncStatus } from '../src/domain/sync-status.ts';
import { commandForFailure, fixtures } from '../src/testing/fixtures.ts';
import { startHarness, TOPICS } from './harness.ts';

type Page = { items: ProvisioningLogEntry[]; nextCursor: string | null };

test('consumes commands, results and sync markers from Kafka into the log; the API filters, pages and exports it', async ({
  kafka,
  postgres,
}) => {
  const h = await startHarness({ kafka, postgres });
  try {
    const failure = fixtures.resultFailure();
    await h.publish(TOPICS.directory, [fixtures.syncStarted()]);
    // The failure's result comes before its command; the create command is delivered twice.
    await h.publish(TOPICS.results, [failure]);
    await h.publish(TOPICS.commands, [fixtures.commandCreate(), commandForFailure(), fixtures.commandDisable()]);
    await h.publish(TOPICS.results, [fixtures.resultSuccess()]);
    await h.publish(TOPICS.commands, [fixtures.commandCreate()]);

    const all = await waitFor(
      async () => {
        const page = (await h.get<Page>('/api/provisioning-logs')).body;
        const joined = page.items.filter((e) => e.status !== 'pending' && e.issuedAt !== null).length === 2;
        return page.items.length === 3 && joined ? page : null;
      },
      { timeout: 20_000, message: 'three joined log rows' },
    );
    expect(all.items.map((e) => [e.commandId, e.status])).toEqual([
      [fixtures.commandDisable().commandId, 'pending'],
      [failure.commandId, 'failure'],
      [fixtures.commandCreate().commandId, 'success'],
    ]);
    const created = all.items[2]!;
    expect(created).toMatchObject({
      changeId: fixtures.commandCreate().changeId,
      cycleId: 'full-2026-11-26T11:00:00Z',
      sourceIdentity: { userPrincipalName: 'adele.vance@contoso.com' },
      targetIdentity: { id: '005000000000001AAA', linkedBy: 'created' },
      durationInMilliseconds: 190,
      reasons: [{ code: 'in-scope' }],
    });
    expect(all.items[1]).toMatchObject({
      sourceIdentity: { userPrincipalName: 'megan.bowen@contoso.com' },
      errorInfo: { errorCode: 'SalesforceDuplicateUserName' },
    });

    // Filters.
    const failures = (await h.get<Page>('/api/provisioning-logs?status=failure')).body;
    expect(failures.items.map((e) => e.commandId)).toEqual([failure.commandId]);
    const byUpn = (await h.get<Page>('/api/provisioning-logs?userId=ADELE.VANCE@contoso.com')).body;
    expect(byUpn.items.map((e) => e.action).sort()).toEqual(['create', 'disable']);
    expect(
      (await h.get<Page>(`/api/provisioning-logs?errorCode=SalesforceDuplicateUserName&action=create`)).body.items,
    ).toHaveLength(1);
    expect((await h.get<Page>(`/api/provisioning-logs?changeId=${failure.changeId}`)).body.items).toHaveLength(1);
    expect(
      (await h.get<Page>('/api/provisioning-logs?from=2026-11-26T11:00:01.650Z&to=2026-11-26T11:00:01.750Z')).body
        .items,
    ).toHaveLength(1);

    // Keyset paging visits every row once, in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = (await h.get<Page>(`/api/provisioning-logs?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body;
      seen.push(...page.items.map((e) => e.commandId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.items.map((e) => e.commandId));

    // What PostgreSQL could not compare (text with NUL, a time before year 1) is a 400 naming it, never a 500.
    const refused = {
      '/api/provisioning-logs/%00': 'commandId',
      '/api/provisioning-logs/a%00b': 'commandId',
      [`/api/provisioning-logs?cursor=${encodeCursor({ activityAt: '2026-11-26T11:00:00Z', commandId: 'a\u0000b' })}`]:
        'cursor',
      '/api/provisioning-logs?from=0000-01-01': 'from',
    };
    for (const [url, parameter] of Object.entries(refused)) {
      const answer = await h.get<{ error: { code: string; details: unknown } }>(url);
      expect(answer.status, url).toBe(400);
      expect(answer.body.error, url).toMatchObject({ code: 'PRV_BAD_REQUEST', details: { parameter } });
    }

    // CSV export.
    const csv = await h.get('/api/provisioning-logs?format=csv&status=failure,success');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('SalesforceDuplicateUserName');

    // Sync status: in progress, then completed once the marker arrives.
    let status = (await h.get<SyncStatus>('/api/sync-status')).body;
    expect(status).toMatchObject({
      fullSync: { state: 'in-progress' },
      progress: { commandsIssued: 3, resultsReceived: 2, pending: 1 },
      counts: {
        byErrorCode: { SalesforceDuplicateUserName: 1 },
        byOutcome: { created: 1, failed: 1, pending: 1 },
        byStatus: { success: 1, failure: 1, pending: 1 },
        byAction: { create: 2, disable: 1 },
      },
    });
    await h.publish(TOPICS.directory, [fixtures.syncCompleted()]);
    status = await waitFor(async () => {
      const s = (await h.get<SyncStatus>('/api/sync-status')).body;
      return s.fullSync.state === 'completed' ? s : null;
    });
    expect(status.initialSyncCompleted).toBe(true);
    expect(status.fullSync).toHaveProperty('counts', { users: 1000, groups: 40, assignments: 620 });
  } finally {
    await h.close();
  }
});
