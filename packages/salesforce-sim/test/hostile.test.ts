import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, startSim } from './helpers.ts';

// Malformed requests get Salesforce's error answers (4xx with an error array or a SOAP fault), never a 500.
describe('hostile and malformed requests', () => {
  let sim: SalesforceSim;
  let token: string;

  beforeAll(async () => {
    sim = await startSim();
    token = (await adminConnection(sim)).accessToken!;
  });
  afterAll(async () => {
    await sim.close();
  });

  const v = '/services/data/v62.0';
  const cases: [string, string, unknown, string?][] = [
    ['POST', `${v}/composite/sobjects`, '{"records": [null]}'],
    ['POST', `${v}/composite/sobjects`, '[]'],
    ['POST', `${v}/composite/sobjects`, '{"records": [{"attributes": {}}]}'],
    ['POST', `${v}/composite/sobjects`, '{"records": [{"attributes": {"type": "Nope"}}]}'],
    ['POST', `${v}/composite/sobjects`, '{"records": [{"attributes": {"type": "Profile"}, "Name": "x"}]}'],
    ['POST', `${v}/composite/sobjects`, '{"allOrNone": "yes", "records": []}'],
    ['POST', `${v}/composite/sobjects`, '{"records": [{"attributes": {"type": "User"}, "LastName": {"a": 1}}]}'],
    ['PATCH', `${v}/composite/sobjects`, '{"records": [{"attributes": {"type": "User"}, "id": "005NOTANID"}]}'],
    ['PATCH', `${v}/sobjects/User/005000000000000`, '[1,2]'],
    ['POST', `${v}/sobjects/User`, ''],
    ['POST', `${v}/sobjects/User`, '"text"'],
    ['POST', `${v}/sobjects/User`, '{"ProfileId": "not-an-id"}'],
    ['GET', `${v}/sobjects/User/%00`, undefined],
    ['GET', `${v}/sobjects/User/005000000000000AAA?fields=Nope`, undefined],
    ['GET', `${v}/query?q=SELECT+Id+FROM+User+WHERE+CreatedDate+%3E+2026-13-45`, undefined],
    ['GET', `${v}/query?q=SELECT+Id+FROM+User+WHERE+Id+IN+()`, undefined],
    ['GET', `${v}/query?q=SELECT+Profile+FROM+User`, undefined],
    ['GET', `${v}/query?q=SELECT+Id+FROM+User+WHERE+IsActive+LIKE+'x'`, undefined],
    ['GET', `${v}/query?q=SELECT+Id,Id+FROM+User`, undefined],
    ['GET', `${v}/query?q=${encodeURIComponent("SELECT Id FROM User WHERE Username = '\\q'")}`, undefined],
    ['GET', `${v}/query?q=a&q=b`, undefined],
    ['GET', `${v}/query/garbage`, undefined],
    ['POST', `${v}/composite`, '{"compositeRequest": [{"method": "DELETE", "url": "/x", "referenceId": "a"}]}'],
    ['POST', `${v}/composite`, '{"compositeRequest": "nope"}'],
    ['GET', '/services/data/v20.0/limits', undefined],
    ['GET', `${v}/nothing/here`, undefined],
    [
      'POST',
      '/services/oauth2/token',
      'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c',
      'application/x-www-form-urlencoded',
    ],
    ['POST', '/services/oauth2/token', 'grant_type=client_credentials', 'application/x-www-form-urlencoded'],
    ['POST', '/services/oauth2/token', '{"grant_type": 5}'],
  ];

  it.each(cases)(
    '%s %s is answered with a 4xx error, not a crash',
    async (method, path, body, contentType = 'application/json') => {
      const response = await fetch(`${sim.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
        ...(body !== undefined ? { body: String(body) } : {}),
      });
      const text = await response.text();
      if (response.status === 200) {
        // Collections answer per-record errors with 200; Composite answers per-subrequest statuses.
        expect(text).toMatch(/"success":false|"httpStatusCode":4\d\d/);
      } else {
        expect(response.status, text).toBeGreaterThanOrEqual(400);
        expect(response.status, text).toBeLessThan(500);
      }
    },
  );

  it('answers 431 past 16 KiB of URI and headers, as Salesforce does', async () => {
    const long = `SELECT Id FROM User WHERE Username IN ('${'x'.repeat(17_000)}')`;
    const response = await fetch(`${sim.url}${v}/query?q=${encodeURIComponent(long)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(431);
  });

  it('answers malformed SOAP with a fault (HTTP 500, as SOAP faults are)', async () => {
    const soap = async (body: string) => {
      const response = await fetch(`${sim.url}/services/Soap/u/62.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body,
      });
      expect(response.status).toBe(500);
      return response.text();
    };
    expect(await soap('junk')).toContain('<faultcode>sf:INVALID_OPERATION</faultcode>');
    expect(await soap('<Envelope><Body><login><username>x</username></login></Body></Envelope>')).toContain(
      '<faultcode>sf:INVALID_LOGIN</faultcode>',
    );
  });
});
