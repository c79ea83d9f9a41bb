import { show, when } from '../format.ts';
import type { EntraPicture, SalesforceRecord } from '../types.ts';
import { Facts } from './common.tsx';

const FOUND_BY: Record<SalesforceRecord['foundBy'], string> = {
  'stored-link': 'the stored link (Redis)',
  'link-field': 'the durable link field',
  'matching-attribute': 'the matching attribute',
};

// Salesforce stores these lower-cased and compares them so.
const CASE_INSENSITIVE = new Set(['Username', 'Email']);

/** What Salesforce holds for a field the mapping writes: the pseudo-fields read from the record's header. */
function held(record: SalesforceRecord['salesforce'], field: string): unknown {
  if (field === 'ProfileName') return record.profileName;
  if (field === 'UserRoleName') return record.userRole;
  if (field === 'PermissionSets') return record.permissionSets;
  return record.fields[field];
}

/** Whether Salesforce's value is what the mapping implies (empty and null alike; sets as sets). */
export function sameValue(field: string, salesforce: unknown, implied: unknown): boolean {
  const blank = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  if (blank(salesforce) && blank(implied)) return true;
  if (Array.isArray(implied) || Array.isArray(salesforce)) {
    const norm = (v: unknown) => (Array.isArray(v) ? v.map(String) : blank(v) ? [] : [String(v)]).sort().join('\n');
    return norm(salesforce) === norm(implied);
  }
  if (typeof implied === 'boolean' || typeof salesforce === 'boolean')
    return String(salesforce).toLowerCase() === String(implied).toLowerCase();
  const [a, b] = [String(salesforce ?? ''), String(implied ?? '')];
  return CASE_INSENSITIVE.has(field) ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * The live Salesforce record beside the Entra picture: its header (Id, Username, active, profile,
 * role, permission sets, last modified), then each field the mapping writes with the value the
 * mapping implies for this user, the rows where Salesforce differs marked.
 */
export function SalesforceRecordPanel({ record, entra }: { record: SalesforceRecord; entra: EntraPicture | null }) {
  const sf = record.salesforce;
  const implied = entra?.decision.inScope ? entra.decision.desired.update : null;
  const names = [
    ...new Set([...Object.keys(implied ?? {}), ...Object.keys(sf.fields)].filter((n) => n !== 'Username')),
  ].sort();
  const rows = names.map((name) => {
    const value = held(sf, name);
    const expected = implied ? implied[name] : undefined;
    const differs = implied !== null && name in implied && !sameValue(name, value, expected);
    return { name, value, expected, differs };
  });
  const differing = rows.filter((r) => r.differs).length;
  const expectActive = entra
    ? entra.decision.inScope
      ? true
      : entra.decision.action === 'disable'
        ? false
        : null
    : null;
  return (
    <div id="salesforce-record" data-differing={differing}>
      <Facts
        rows={[
          ['Salesforce user id', <code key="id">{sf.id}</code>],
          ['Username', sf.username],
          [
            'Active',
            <span key="a" class={expectActive !== null && sf.isActive !== expectActive ? 'differs' : undefined}>
              {sf.isActive === null ? '—' : sf.isActive ? 'yes' : 'no'}
            </span>,
          ],
          ['Profile', sf.profileName],
          ['Role', sf.userRole],
          ['Permission sets', sf.permissionSets === null ? 'not read' : show(sf.permissionSets) || 'none'],
          ['Last modified', when(sf.lastModifiedDate)],
          ['Found by', `${FOUND_BY[record.foundBy]}${record.link ? ` (link field ${record.link.field})` : ''}`],
        ]}
      />
      <h3>Fields the mapping writes</h3>
      <p class="muted">
        {implied === null
          ? 'The user is out of scope: the mapping implies no field values.'
          : differing === 0
            ? 'Salesforce holds what the mapping implies for this user.'
            : `${differing} field${differing === 1 ? ' in Salesforce differs' : 's in Salesforce differ'} from what the mapping implies (marked).`}
      </p>
      <div class="table-wrap">
        <table class="fields compare">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">In Salesforce</th>
              <th scope="col">Mapping implies</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name} class={r.differs ? 'differs' : undefined} data-field={r.name}>
                <th scope="row">
                  {r.name}
                  {r.differs && <span class="visually-hidden"> (differs)</span>}
                </th>
                <td>{show(r.value)}</td>
                <td>{implied && r.name in implied ? show(r.expected) : <span class="muted">not written</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted small">
        Read {when(record.readAt)} by the writer ({record.apiCalls} API call{record.apiCalls === 1 ? '' : 's'}, charged
        to the shared budget).
      </p>
    </div>
  );
}
