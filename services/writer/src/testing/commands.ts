import { ProvisioningCommandV1 } from '@provision/events';

let sequence = 0;

/** A valid command for tests: a full create of `user<n>@contoso.com` unless overridden. */
export function aCommand(
  overrides: Partial<Omit<ProvisioningCommandV1, 'fields'>> & { fields?: Record<string, unknown>; n?: number } = {},
): ProvisioningCommandV1 {
  const n = overrides.n ?? ++sequence;
  const username = `user${n}@contoso.com`;
  const { n: _n, fields, ...rest } = overrides;
  return ProvisioningCommandV1.parse({
    commandId: `cmd-${++sequence}`,
    changeId: `change-${n}`,
    userId: `entra-${n}`,
    action: 'create',
    fields: fields ?? {
      Username: username,
      Email: username,
      FirstName: 'User',
      LastName: `Number${n}`,
      Alias: `u${n}`.slice(0, 8),
      ProfileName: 'Standard User',
      IsActive: true,
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
    },
    modifiedProperties: [],
    matching: { attribute: 'Username', value: username },
    reasons: [{ code: 'in-scope', message: 'Assigned' }],
    issuedAt: '2026-11-26T11:59:59.000Z',
    ...rest,
  });
}
