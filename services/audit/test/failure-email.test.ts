import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';
import { createSmtpMailer } from '../src/adapters/smtp-mailer.ts';
import { commandForFailure, fixtures } from '../src/testing/fixtures.ts';
import { startHarness, TOPICS } from './harness.ts';
import { startSmtpSink } from './smtp-sink.ts';

test('emails admins one digest of the failures of a window, through SMTP', async ({ kafka, postgres }) => {
  const sink = await startSmtpSink();
  // The sink is a local relay without TLS: the one case SMTP_SECURE=none is for.
  const mailer = createSmtpMailer(sink.url, 'none');
  const h = await startHarness(
    { kafka, postgres },
    {
      alerts: {
        mailer,
        settings: { to: ['it-admins@contoso.com', 'oncall@contoso.com'], from: 'Provision <provision@contoso.com>' },
        // The test flushes windows itself (what the timer does), so a window never splits its failures.
        intervalMs: 3_600_000,
      },
    },
  );
  try {
    const licence = {
      ...fixtures.resultFailure(),
      commandId: 'f0000000-0000-4000-8000-000000000002',
      userId: 'a1b2c3d4-0000-4000-8000-000000000002',
      error: {
        code: 'SalesforceLicenseLimitExceeded',
        message: 'License Limit Exceeded',
        retriable: false,
        fields: [],
        recommendedAction: 'Buy more licences or deactivate unused users.',
      },
    };
    await h.publish(TOPICS.commands, [commandForFailure()]);
    await h.publish(TOPICS.results, [fixtures.resultFailure(), licence, fixtures.resultSuccess()]);

    await waitFor(async () => (await h.store.unnotifiedFailures(10)).length === 2, { timeout: 20_000 });
    expect(await h.service.flushDigest()).toBe(2);
    const mail = await waitFor(() => sink.messages[0], { message: 'a digest email' });
    expect(mail.subject).toBe(
      '[Provision] 2 provisioning failures (SalesforceDuplicateUserName ×1, SalesforceLicenseLimitExceeded ×1)',
    );
    expect(mail.from?.text).toContain('provision@contoso.com');
    const to = Array.isArray(mail.to) ? mail.to : [mail.to];
    expect(to.flatMap((a) => a?.value.map((v) => v.address))).toEqual(['it-admins@contoso.com', 'oncall@contoso.com']);
    expect(mail.text).toContain(
      '- megan.bowen@contoso.com (8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968), create: Duplicate Username.',
    );
    expect(mail.text).toContain('Recommended action: Buy more licences or deactivate unused users.');

    // Each failure is reported once; a later failure comes in the next window's email.
    const later = {
      ...licence,
      commandId: 'f0000000-0000-4000-8000-000000000003',
      completedAt: '2026-11-26T11:02:00.000Z',
    };
    await h.publish(TOPICS.results, [later]);
    await waitFor(async () => (await h.store.unnotifiedFailures(10)).length === 1, { timeout: 20_000 });
    expect(await h.service.flushDigest()).toBe(1);
    expect(await h.service.flushDigest()).toBe(0);
    const second = await waitFor(() => sink.messages[1], { message: 'a second digest' });
    expect(second.subject).toBe('[Provision] 1 provisioning failure (SalesforceLicenseLimitExceeded ×1)');
    expect(sink.messages).toHaveLength(2);
  } finally {
    await h.close();
    mailer.close();
    await sink.close();
  }
});

test('refuses to send in the clear when the server offers no STARTTLS (required unless SMTP_SECURE=none)', async () => {
  const sink = await startSmtpSink();
  const mailer = createSmtpMailer(sink.url);
  try {
    await expect(
      mailer.send({ from: 'provision@contoso.com', to: ['it-admins@contoso.com'], subject: 'x', text: 'secret' }),
    ).rejects.toThrow(/STARTTLS/i);
    expect(sink.messages).toHaveLength(0);
  } finally {
    mailer.close();
    await sink.close();
  }
});
