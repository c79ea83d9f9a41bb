import type { Logger } from '@provision/ports';
import { buildDigest } from './digest.ts';
import type { AuditLogStore, Clock, Mailer } from './ports.ts';

/** Who gets the failure digest. */
export interface AlertSettings {
  to: readonly string[];
  from: string;
  /** Link to the dashboard put at the end of each email. */
  dashboardUrl?: string;
}

/** Most failures one email reports; the rest wait for the next window. */
export const DIGEST_MAX_FAILURES = 500;

/**
 * Sends one digest of the failures no email has reported yet. Failures are marked only after the
 * mail server accepted the message, so a failed send is retried with the next window's.
 * Returns how many failures the email reported (0 when there was nothing to send).
 */
export async function sendFailureDigest(
  deps: { store: AuditLogStore; mailer: Mailer; clock: Clock; logger: Logger },
  alert: AlertSettings,
): Promise<number> {
  const reported = await deps.store.reportFailures(
    DIGEST_MAX_FAILURES,
    new Date(deps.clock.now()),
    async (failures) => {
      const email = buildDigest(failures, alert.dashboardUrl);
      if (email === null) return;
      await deps.mailer.send({ from: alert.from, to: alert.to, subject: email.subject, text: email.text });
    },
  );
  if (reported > 0) deps.logger.info({ failures: reported, to: alert.to }, 'failure digest sent');
  return reported;
}
