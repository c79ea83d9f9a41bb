import { type SaveError, saveError } from './errors.ts';
import { addRow, duplicate, fieldErrors, junction, reference, removeRow, rowsOf } from './junction.ts';
import type { Org, Row } from './org.ts';
import { PERMISSION_SET_LICENSE_ASSIGN } from './schema.ts';
import type { WriteOutcome } from './users.ts';

const licenceAssignments = (org: Org) => junction(org, PERMISSION_SET_LICENSE_ASSIGN.keyPrefix);

/** How many of a permission set licence are assigned (its UsedLicenses). */
export function licencesUsed(org: Org, licenceId: string): number {
  let used = 0;
  for (const row of org.licenceAssignments.values()) if (row['PermissionSetLicenseId'] === licenceId) used++;
  return used;
}

/** A licence row as queried: UsedLicenses counted from its assignments. */
export function licenceRow(org: Org, row: Row): Row {
  return { ...row, UsedLicenses: licencesUsed(org, row['Id'] as string) };
}

/** Whether a user holds a permission set licence. */
export function holdsLicence(org: Org, userId: string, licenceId: string): boolean {
  return rowsOf(licenceAssignments(org), userId).some((r) => r['PermissionSetLicenseId'] === licenceId);
}

/** Assigns a licence to a user without checks (seed and admin); returns the assignment id. */
export function assignLicence(org: Org, userId: string, licenceId: string): string {
  return addRow(org, licenceAssignments(org), { AssigneeId: userId, PermissionSetLicenseId: licenceId });
}

/**
 * Inserts one PermissionSetLicenseAssign: both references must exist; a user holds a licence once
 * (DUPLICATE_VALUE); a licence whose TotalLicenses are all used is LICENSE_LIMIT_EXCEEDED, as
 * inserting users past their licences is (reference §4.7).
 */
export function createLicenceAssignment(org: Org, values: Row): WriteOutcome {
  const fields = ['AssigneeId', 'PermissionSetLicenseId'];
  const invalid = fieldErrors(values, fields, fields);
  if (invalid.length > 0) return { ok: false, errors: invalid };
  const assignee = reference(values['AssigneeId'], 'AssigneeId', 'User ID', (id) => org.users.has(id));
  const licence = reference(
    values['PermissionSetLicenseId'],
    'PermissionSetLicenseId',
    'Permission Set License ID',
    (id) => org.permissionSetLicences.has(id),
  );
  const errors = [assignee, licence].filter((r): r is SaveError => typeof r !== 'string');
  if (errors.length > 0) return { ok: false, errors };
  const userId = assignee as string;
  const licenceId = licence as string;
  const taken = duplicate(licenceAssignments(org), userId, (row) => row['PermissionSetLicenseId'] === licenceId);
  if (taken) return { ok: false, errors: [taken] };
  const row = org.permissionSetLicences.get(licenceId)!;
  if (licencesUsed(org, licenceId) >= Number(row['TotalLicenses'] ?? 0)) {
    return {
      ok: false,
      errors: [saveError('LICENSE_LIMIT_EXCEEDED', `License Limit Exceeded - ${String(row['MasterLabel'])}`, [])],
    };
  }
  const id = assignLicence(org, userId, licenceId);
  return { ok: true, id, undo: () => removeRow(licenceAssignments(org), id) };
}
