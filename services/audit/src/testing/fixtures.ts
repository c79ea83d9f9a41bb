import { readFileSync } from 'node:fs';
import { DirectoryEventV1, ProvisioningCommandV1, ProvisioningResultV1, type SyncMarker } from '@provision/events';

const dir = new URL('../../../../packages/events/fixtures/', import.meta.url);
const fixtureValue = (name: string): unknown => JSON.parse(readFileSync(new URL(`${name}.v1.json`, dir), 'utf8')).value;

/** The golden fixtures of `@provision/events`, parsed with their schemas. */
export const fixtures = {
  commandCreate: () => ProvisioningCommandV1.parse(fixtureValue('command-create')),
  commandDisable: () => ProvisioningCommandV1.parse(fixtureValue('command-disable')),
  resultSuccess: () => ProvisioningResultV1.parse(fixtureValue('result-success')),
  resultFailure: () => ProvisioningResultV1.parse(fixtureValue('result-failure')),
  syncStarted: () => DirectoryEventV1.parse(fixtureValue('sync-started')) as SyncMarker,
  syncCompleted: () => DirectoryEventV1.parse(fixtureValue('sync-completed')) as SyncMarker,
};

/** The command the failure fixture answers (the fixtures ship only its result). */
export function commandForFailure(): ProvisioningCommandV1 {
  const r = fixtures.resultFailure();
  return {
    ...fixtures.commandCreate(),
    commandId: r.commandId,
    changeId: r.changeId,
    userId: r.userId,
    fields: { Username: 'megan.bowen@contoso.com', ProfileName: 'Standard User' },
    modifiedProperties: [{ name: 'Username', newValue: 'megan.bowen@contoso.com' }],
    matching: { attribute: 'Username', value: 'megan.bowen@contoso.com' },
    issuedAt: '2026-11-26T11:00:01.300Z',
  };
}
