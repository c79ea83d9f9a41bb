/** One failed command, as the digest lists it. */
export interface FailureItem {
  commandId: string;
  userId: string;
  userPrincipalName: string | null;
  action: string;
  errorCode: string;
  reason: string;
  recommendedAction: string | null;
  completedAt: string;
}

/** A plain-text email, ready for any mailer. */
export interface DigestEmail {
  subject: string;
  text: string;
}

/** How many users an email lists per error code before it says "and N more". */
export const USERS_PER_CODE = 20;

/**
 * Builds the failure digest: failures grouped by error code (most frequent first), each group with
 * its recommended action once and the users it hit, so one email covers a minute of failures.
 */
export function buildDigest(failures: readonly FailureItem[], dashboardUrl?: string): DigestEmail | null {
  if (failures.length === 0) return null;
  const byCode = new Map<string, FailureItem[]>();
  for (const f of failures) byCode.set(f.errorCode, [...(byCode.get(f.errorCode) ?? []), f]);
  const groups = [...byCode.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const users = new Set(failures.map((f) => f.userId)).size;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const subject = `[Provision] ${plural(failures.length, 'provisioning failure')} (${groups
    .map(([code, items]) => `${code} ×${items.length}`)
    .join(', ')})`;
  const times = failures.map((f) => f.completedAt).sort();
  const lines = [
    `Provision could not provision ${plural(users, 'user')} to Salesforce between ${times[0]} and ${times.at(-1)}.`,
    '',
  ];
  for (const [code, items] of groups) {
    lines.push(`${code} — ${plural(items.length, 'failure')}`);
    const advice = items.find((i) => i.recommendedAction)?.recommendedAction;
    if (advice) lines.push(`  Recommended action: ${advice}`);
    for (const f of items.slice(0, USERS_PER_CODE)) {
      lines.push(
        `  - ${f.userPrincipalName ?? f.userId} (${f.userId}), ${f.action}: ${plain(f.reason)} [command ${f.commandId}]`,
      );
    }
    if (items.length > USERS_PER_CODE) lines.push(`  … and ${items.length - USERS_PER_CODE} more`);
    lines.push('');
  }
  if (dashboardUrl) lines.push(`Provisioning log: ${dashboardUrl}`);
  return { subject, text: `${lines.join('\n').trimEnd()}\n` };
}

// Salesforce messages carry HTML line breaks ("Duplicate Username.<br>The username …").
function plain(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
