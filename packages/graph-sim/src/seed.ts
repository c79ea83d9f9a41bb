import { guidFrom, guidFromName, seededRandom } from './ids.ts';
import type { AppRole } from './tenant/tenant.ts';
import { DEFAULT_ACCESS_ROLE_ID, type Tenant } from './tenant/tenant.ts';

const GIVEN = [
  'Adele',
  'Alex',
  'Allan',
  'Amara',
  'Ben',
  'Bianca',
  'Carlos',
  'Chen',
  'Christie',
  'Dana',
  'Diego',
  'Elif',
  'Emily',
  'Enrico',
  'Fatima',
  'Finn',
  'Grady',
  'Hana',
  'Henrietta',
  'Ines',
  'Isaiah',
  'Jamal',
  'Johanna',
  'Joni',
  'Kenji',
  'Lars',
  'Lee',
  'Leila',
  'Lidia',
  'Lynne',
  'Marek',
  'Maria',
  'Megan',
  'Miriam',
  'Nestor',
  'Noor',
  'Olga',
  'Omar',
  'Patti',
  'Pradeep',
  'Priya',
  'Quinn',
  'Rafael',
  'Rosa',
  'Sakura',
  'Sam',
  'Sofia',
  'Tariq',
  'Uma',
  'Viktor',
  'Wei',
  'Yara',
  'Zoe',
];
const SURNAMES = [
  'Adams',
  'Andersen',
  'Bauer',
  'Becker',
  'Bowen',
  'Castillo',
  'Cho',
  'Dubois',
  'Diaz',
  'Eriksson',
  'Fernandes',
  'Fischer',
  'Garcia',
  'Gonzalez',
  'Haddad',
  'Holloway',
  'Ivanova',
  'Jensen',
  'Johnson',
  'Kaur',
  'Khan',
  'Kowalski',
  'Larsen',
  'Lopez',
  'Martin',
  'Meyer',
  'Moreau',
  'Nakamura',
  'Nguyen',
  "O'Brien",
  'Okafor',
  'Patel',
  'Petrov',
  'Rossi',
  'Santos',
  'Schmidt',
  'Silva',
  'Smith',
  'Suzuki',
  'Tanaka',
  'Vance',
  'Wagner',
  'White',
  'Williams',
  'Wilson',
  'Yilmaz',
  'Zhang',
];
const DEPARTMENTS: Record<string, string[]> = {
  Sales: ['Account Executive', 'Sales Manager', 'Sales Development Representative', 'Regional Sales Director'],
  Marketing: ['Marketing Specialist', 'Content Strategist', 'Marketing Manager'],
  'Customer Success': ['Customer Success Manager', 'Support Engineer', 'Support Lead'],
  Engineering: ['Software Engineer', 'Senior Software Engineer', 'Engineering Manager', 'Site Reliability Engineer'],
  Finance: ['Accountant', 'Financial Analyst', 'Controller'],
  'Human Resources': ['HR Generalist', 'Recruiter', 'HR Business Partner'],
  Operations: ['Operations Analyst', 'Office Manager', 'Procurement Specialist'],
  IT: ['Systems Administrator', 'IT Support Specialist', 'Salesforce Administrator'],
};
const LOCATIONS = [
  { city: 'Seattle', country: 'United States', usageLocation: 'US', preferredLanguage: 'en-US', phone: '+1 206 555 0' },
  {
    city: 'New York',
    country: 'United States',
    usageLocation: 'US',
    preferredLanguage: 'en-US',
    phone: '+1 212 555 0',
  },
  {
    city: 'London',
    country: 'United Kingdom',
    usageLocation: 'GB',
    preferredLanguage: 'en-GB',
    phone: '+44 20 7946 0',
  },
  { city: 'Berlin', country: 'Germany', usageLocation: 'DE', preferredLanguage: 'de-DE', phone: '+49 30 901820' },
  { city: 'Paris', country: 'France', usageLocation: 'FR', preferredLanguage: 'fr-FR', phone: '+33 1 70 18 9' },
  { city: 'Madrid', country: 'Spain', usageLocation: 'ES', preferredLanguage: 'es-ES', phone: '+34 91 123 4' },
  { city: 'Tokyo', country: 'Japan', usageLocation: 'JP', preferredLanguage: 'ja-JP', phone: '+81 3 5555 0' },
  { city: 'Sydney', country: 'Australia', usageLocation: 'AU', preferredLanguage: 'en-AU', phone: '+61 2 5550 0' },
];

/** Salesforce profiles the default tenant's application offers as app roles (Default Access is the zero GUID). */
export const SALESFORCE_PROFILES = [
  'Standard User',
  'System Administrator',
  'Chatter Free User',
  'Standard Platform User',
  'Marketing User',
  'Read Only',
] as const;

/** Namespace of the default tenant's role ids, so they are stable across restarts. */
const ROLE_NAMESPACE = '6f1d3f0e-3a55-4c1e-9a59-5a7e3b0c9d21';

export interface SeedOptions {
  readonly users: number;
  readonly groups?: number;
  readonly seed: number;
  /** Share of users and groups assigned to the application (0..1), default 0.6. */
  readonly assignedShare?: number;
}

export interface SeedResult {
  readonly userIds: string[];
  readonly groupIds: string[];
  readonly assignmentIds: string[];
}

/** The default tenant's app roles: one per Salesforce profile, with name-based ids. */
export function salesforceAppRoles(): AppRole[] {
  return SALESFORCE_PROFILES.map((profile) => ({
    allowedMemberTypes: ['User'],
    description: profile,
    displayName: profile,
    id: guidFromName(ROLE_NAMESPACE, profile),
    isEnabled: true,
    origin: 'Application',
    value: profile,
  }));
}

/**
 * Adds `users` synthetic people and `groups` groups to the tenant, the same for the same seed:
 * realistic names, departments, titles and locations; about 5% disabled; department security
 * groups with their members; some users and groups assigned to the app with a role, some not.
 */
export function seedTenant(tenant: Tenant, options: SeedOptions): SeedResult {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const departments = Object.keys(DEPARTMENTS);
  const userIds: string[] = [];
  const byDepartment = new Map<string, string[]>();
  const base = tenant.users.objects.size;
  for (let i = 0; i < options.users; i++) {
    const id = guidFrom(random);
    const givenName = pick(GIVEN);
    const surname = pick(SURNAMES);
    const department = pick(departments);
    const location = pick(LOCATIONS);
    const n = base + i + 1;
    const nickname = `${givenName}.${surname}`.toLowerCase().replace(/[^a-z.]/g, '') + (n > 1 ? n : '');
    const upn = `${nickname}@${tenant.domain}`;
    const enabled = random() >= 0.05;
    const extension: Record<string, string> = { extensionAttribute1: `CC-${1000 + Math.floor(random() * 90)}` };
    if (random() < 0.3)
      extension['extensionAttribute5'] = pick(['Sales_Cloud', 'Service_Cloud', 'Sales_Cloud,Service_Cloud']);
    tenant.createUser(id, {
      accountEnabled: enabled,
      businessPhones: random() < 0.8 ? [`${location.phone}${String(100 + (n % 900))}`] : [],
      city: location.city,
      companyName: 'Contoso',
      country: location.country,
      department,
      displayName: `${givenName} ${surname}`,
      employeeId: String(100000 + n),
      employeeType: random() < 0.9 ? 'Employee' : 'Contractor',
      givenName,
      jobTitle: pick(DEPARTMENTS[department] ?? ['Specialist']),
      mail: upn,
      mailNickname: nickname,
      mobilePhone: random() < 0.5 ? `${location.phone}${String(500 + (n % 400))}` : null,
      officeLocation: `${location.city} ${1 + Math.floor(random() * 12)}`,
      onPremisesExtensionAttributes: extension,
      preferredLanguage: location.preferredLanguage,
      surname,
      usageLocation: location.usageLocation,
      userPrincipalName: upn,
      userType: 'Member',
    });
    userIds.push(id);
    const list = byDepartment.get(department) ?? [];
    list.push(id);
    byDepartment.set(department, list);
  }

  const groupCount = options.groups ?? Math.min(departments.length + 2, Math.max(4, Math.ceil(options.users / 50)));
  const groupIds: string[] = [];
  for (let g = 0; g < groupCount; g++) {
    const id = guidFrom(random);
    const department = departments[g % departments.length] as string;
    const round = Math.floor(g / departments.length);
    const unified = g === departments.length;
    const name = unified ? 'All Company' : `sg-${department.replace(/\s+/g, '')}${round > 0 ? `-${round + 1}` : ''}`;
    const members = unified
      ? userIds.filter(() => random() < 0.5)
      : (byDepartment.get(department) ?? []).filter(() => random() < 0.7);
    tenant.createGroup(
      id,
      {
        displayName: name,
        description: unified ? 'Everyone at Contoso' : `${department} team`,
        groupTypes: unified ? ['Unified'] : [],
        mailEnabled: unified,
        mailNickname: name.toLowerCase().replace(/[^a-z0-9-]/g, '') + (g >= departments.length ? g : ''),
        securityEnabled: !unified,
        visibility: unified ? 'Public' : null,
        mail: unified ? `allcompany${g}@${tenant.domain}` : null,
      },
      members,
    );
    groupIds.push(id);
  }

  const roles = tenant.application.appRoles.filter((role) => role.isEnabled);
  const roleFor = (department: string | undefined): string => {
    const byName = (name: string) => roles.find((role) => role.value === name)?.id;
    if (department === 'IT') return byName('System Administrator') ?? DEFAULT_ACCESS_ROLE_ID;
    if (department === 'Marketing')
      return byName('Marketing User') ?? byName('Standard User') ?? DEFAULT_ACCESS_ROLE_ID;
    if (department === 'Operations') return byName('Chatter Free User') ?? DEFAULT_ACCESS_ROLE_ID;
    if (department === 'Finance') return byName('Standard Platform User') ?? DEFAULT_ACCESS_ROLE_ID;
    return byName('Standard User') ?? DEFAULT_ACCESS_ROLE_ID;
  };
  const share = options.assignedShare ?? 0.6;
  const assignmentIds: string[] = [];
  for (const id of userIds) {
    if (random() >= share * 0.5) continue;
    const user = tenant.users.objects.get(id);
    // A few direct assignments keep the portal's "Default Access", which Salesforce provisioning rejects.
    const role = random() < 0.05 ? DEFAULT_ACCESS_ROLE_ID : roleFor(user?.props['department'] as string | undefined);
    assignmentIds.push(tenant.assign(id, role).id);
  }
  for (const [index, id] of groupIds.entries()) {
    // The first group is always assigned and the last never, so every tenant has both kinds.
    const assign = index === 0 || (index < groupIds.length - 1 && random() < share);
    if (!assign) continue;
    const group = tenant.groups.objects.get(id);
    const department = String(group?.props['description'] ?? '').replace(/ team$/, '');
    assignmentIds.push(tenant.assign(id, roleFor(department)).id);
  }
  return { userIds, groupIds, assignmentIds };
}
