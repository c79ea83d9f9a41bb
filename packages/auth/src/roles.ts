/** The app roles of the Provision API app registration. */
export const ROLES = {
  /** Read the provisioning log, sync status, dead letters and the guard's state. */
  read: 'Provision.Read',
  /** Act: release the deactivation guard, provision on demand, quarantine actions. */
  operate: 'Provision.Operate',
} as const;

export type Role = (typeof ROLES)[keyof typeof ROLES];

/** The roles that satisfy a requirement: whoever may operate may also read. */
export function rolesGranting(role: Role): readonly Role[] {
  return role === ROLES.read ? [ROLES.read, ROLES.operate] : [ROLES.operate];
}
