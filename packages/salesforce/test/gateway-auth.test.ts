import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

describe.each([{ https: false }, { https: true }])(
  'gateway authentication and testConnection (https: $https)',
  ({ https }) => {
    let sim: SalesforceSim;

    beforeAll(async () => {
      sim = await startSim({ https });
    });
    afterAll(async () => {
      await sim.close();
    });

    const jwtGateway = () =>
      new JsforceSalesforceGateway({
        loginUrl: sim.loginUrl,
        auth: {
          kind: 'jwt',
          clientId: sim.credentials.clientId,
          username: sim.credentials.username,
          privateKey: sim.credentials.privateKey!,
        },
      });
    const clientCredentialsGateway = () =>
      new JsforceSalesforceGateway({
        instanceUrl: sim.url,
        auth: {
          kind: 'client-credentials',
          clientId: sim.credentials.clientId,
          clientSecret: sim.credentials.clientSecret,
        },
      });

    it.each([
      ['password + security token', () => passwordGateway(sim)],
      ['JWT bearer', jwtGateway],
      ['client credentials', clientCredentialsGateway],
    ])('connects with %s and re-authenticates when the session expires', async (_name, make) => {
      const gateway = make();
      const report = await gateway.testConnection();
      expect(report).toMatchObject({
        ok: true,
        reachable: true,
        credentialsValid: true,
        apiEnabled: true,
        manageUsers: true,
        manageUsersOnProfile: true,
        orgId: sim.orgId,
        user: { id: sim.credentials.userId, profileName: 'System Administrator' },
        missing: [],
      });
      sim.admin.expireSessions(sim.orgId);
      const [created] = await gateway.createUsers([newUser()]);
      expect(created).toMatchObject({ ok: true });
      await gateway.close();
    });

    it('reports wrong credentials', async () => {
      const gateway = new JsforceSalesforceGateway({
        loginUrl: sim.loginUrl,
        auth: {
          kind: 'password',
          username: sim.credentials.username,
          password: 'wrong',
          securityToken: sim.credentials.securityToken,
        },
      });
      const report = await gateway.testConnection();
      expect(report).toMatchObject({
        ok: false,
        reachable: true,
        credentialsValid: false,
        error: { code: 'SalesforceAuthenticationFailed', salesforceCode: 'INVALID_LOGIN' },
      });
      expect(report.missing[0]).toMatch(/^Valid credentials: INVALID_LOGIN/);
    });

    it('reports an unreachable org', async () => {
      const gateway = new JsforceSalesforceGateway({
        loginUrl: 'http://127.0.0.1:9',
        auth: { kind: 'password', username: 'a@b.example.com', password: 'x' },
      });
      const report = await gateway.testConnection();
      expect(report).toMatchObject({
        ok: false,
        reachable: false,
        credentialsValid: false,
        error: { code: 'SalesforceNetworkError' },
      });
    });

    it('reports a user without API access', async () => {
      const [id] = sim.admin.addUsers(sim.orgId, [
        { ...newUser({ ProfileName: 'Minimum Access - Salesforce' }), password: 'pw', securityToken: 'T' },
      ]);
      const username = String(sim.admin.user(sim.orgId, id!)['Username']);
      const report = await new JsforceSalesforceGateway({
        loginUrl: sim.loginUrl,
        auth: { kind: 'password', username, password: 'pw', securityToken: 'T' },
      }).testConnection();
      expect(report).toMatchObject({ ok: false, reachable: true, credentialsValid: true, apiEnabled: false });
      expect(report.missing).toEqual([expect.stringMatching(/^API access/)]);
    });

    it('names a missing Manage Users permission, and accepts it from a permission set', async () => {
      const [id] = sim.admin.addUsers(sim.orgId, [
        { ...newUser({ ProfileName: 'Standard User' }), password: 'pw', securityToken: 'T' },
      ]);
      const username = String(sim.admin.user(sim.orgId, id!)['Username']);
      const gateway = new JsforceSalesforceGateway({
        loginUrl: sim.loginUrl,
        auth: { kind: 'password', username, password: 'pw', securityToken: 'T' },
      });
      const report = await gateway.testConnection();
      expect(report).toMatchObject({ ok: false, apiEnabled: true, manageUsers: false });
      expect(report.missing).toEqual([`"Manage Users" for ${username}: grant it on the profile 'Standard User'`]);
      sim.admin.assignPermissionSet(sim.orgId, id!, 'Provisioning_Integration');
      const after = await gateway.testConnection();
      expect(after).toMatchObject({ ok: true, manageUsers: true, manageUsersOnProfile: false, missing: [] });
      expect(after.notes).toEqual([expect.stringMatching(/permission set Provisioning_Integration/)]);
    });

    it('refuses the client-credentials flow on the generic login hosts (My Domain needed)', () => {
      expect(
        () => new JsforceSalesforceGateway({ auth: { kind: 'client-credentials', clientId: 'x', clientSecret: 'y' } }),
      ).toThrow(/My Domain/);
    });
  },
);
