import { describe, expect, it } from 'vitest';
import { aCommand } from '../testing/commands.ts';
import { desiredFields } from './plan.ts';
import { recommendedActionFor } from './recommended-actions.ts';

describe('deprovisioning in the writer', () => {
  it('keeps a freeze a freeze: a disable with IsFrozen alone leaves IsActive, any other disable deactivates', () => {
    expect(desiredFields(aCommand({ action: 'disable', fields: { IsFrozen: true } }))).toEqual({ IsFrozen: true });
    expect(desiredFields(aCommand({ action: 'disable', fields: {} }))).toEqual({ IsActive: false });
    expect(desiredFields(aCommand({ action: 'disable', fields: { IsActive: false } }))).toEqual({ IsActive: false });
  });

  it('names the Setup page to change for each deactivation blocker, and a general action otherwise', () => {
    const action = (message: string) =>
      recommendedActionFor('SalesforceDeactivationBlocked', 'FIELD_INTEGRITY_EXCEPTION', message);
    expect(action('This user is the default case owner. Change it in Support Settings')).toMatch(/Support Settings/);
    expect(action('This user is the Default Workflow User.')).toMatch(/Process Automation Settings/);
    expect(action('This user is selected in a hierarchy custom field on another user.')).toMatch(/hierarchy field/);
    expect(action('Cannot deactivate: the user is the default lead owner')).toMatch(/Lead Settings/);
    expect(action('Something else entirely')).toMatch(/Salesforce Setup/);
    expect(recommendedActionFor('SalesforceDeactivationBlocked')).toMatch(/retries the deactivation/);
  });
});
