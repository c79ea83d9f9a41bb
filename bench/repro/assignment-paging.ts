// Reproduces the latency run's mass deactivation (bench/README.md, finding 1): graph-sim pages
// `servicePrincipals/{id}/appRoleAssignedTo` by offset, so a soft delete between two page requests
// makes the next page skip one assignment — here a group's, with ~900 members, which the ingestor
// would then fan out as ~900 removals.
//   NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/repro/assignment-paging.ts
// (graph-sim's certificate is self-signed; this script only talks to the local simulator.)
import { startGraphSim } from '../../packages/graph-sim/src/index.ts';

const sim = await startGraphSim({ users: 0, seed: 1, allowHttpNotificationUrl: true });
sim.admin.seed({ users: 10000, seed: 1 });
const token = (await (
  await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  })
).json()) as { access_token: string };
type Page = { value: { id: string; principalType: string }[]; '@odata.nextLink'?: string };
const get = async (url: string) =>
  (await (await fetch(url, { headers: { authorization: `Bearer ${token.access_token}` } })).json()) as Page;

// Earlier changes (soft deletes) have hidden a few users' assignments, so the first group
// assignment now sits at the first offset of the last page (2997 = 3 × 999).
const users = [...sim.tenant.visibleAssignments()].filter((a) => a.principalType === 'User');
for (const a of users.slice(0, 7)) sim.admin.softDelete('user', a.principalId);
console.log(
  'first group assignment at offset',
  [...sim.tenant.visibleAssignments()].findIndex((a) => a.principalType === 'Group'),
);

const expected = new Set([...sim.tenant.visibleAssignments()].map((a) => a.id));
let url: string | undefined =
  `${sim.url}/v1.0/servicePrincipals/${sim.tenant.servicePrincipal.id}/appRoleAssignedTo?$top=999`;
const seen = new Set<string>();
for (let page = 0; url; page++) {
  const body = await get(url);
  for (const a of body.value) seen.add(a.id);
  if (page === 2) {
    // Between pages 3 and 4 an admin soft-deletes a user whose assignment was on page 3.
    const victim = body.value.find((a) => a.principalType === 'User')!;
    const userId = [...sim.tenant.visibleAssignments()].find((a) => a.id === victim.id)!.principalId;
    sim.admin.softDelete('user', userId);
    expected.delete(victim.id);
  }
  url = body['@odata.nextLink'];
}
const missing = [...sim.tenant.visibleAssignments()].filter((a) => expected.has(a.id) && !seen.has(a.id));
for (const a of missing) {
  const members = a.principalType === 'Group' ? sim.tenant.groups.objects.get(a.principalId)?.members?.size : 1;
  console.log(`not listed: ${a.principalType} ${a.principalId} (${members} member(s)), still assigned`);
}
console.log(missing.length === 0 ? 'every assignment was listed' : `${missing.length} assignment(s) skipped`);
await sim.close();
