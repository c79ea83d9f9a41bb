import { createHash } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { graphFailure } from './errors.ts';
import type { AppRole, AppRolePublisher, DesiredRole, PublishResult } from './types.ts';

/** Namespace of the role ids Provision gives the roles it publishes (UUID v5 of the role value). */
export const PROVISION_ROLE_NAMESPACE = '3d1c8a52-6b1e-4f55-9c57-0d3f5e9b7a41';

/** The id Provision gives the role with this value: the same on every import, on every tenant. */
export function roleIdFor(value: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(PROVISION_ROLE_NAMESPACE.replaceAll('-', ''), 'hex'))
    .update(value, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A role Provision published (its id is the name-based id of its value). */
export function isOwnedRole(role: AppRole): boolean {
  return role.value !== null && role.id === roleIdFor(role.value);
}

export interface AppRolePlan {
  /** The `appRoles` lists to PATCH, in order (two when a role must be disabled before it is removed); empty = nothing to do. */
  readonly steps: readonly (readonly AppRole[])[];
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Plans publishing `desired` over `existing`: a role with the same value is reused (its id kept,
 * whoever made it); a missing one is added with the name-based id; roles Provision owns that are no
 * longer desired are disabled, then removed (Graph refuses to delete an enabled role). Roles
 * Provision does not own are never touched.
 */
export function planAppRoles(existing: readonly AppRole[], desired: readonly DesiredRole[]): AppRolePlan {
  const wanted = new Map<string, DesiredRole>();
  for (const role of desired) wanted.set(role.value, role);
  const added: string[] = [];
  const updated: string[] = [];
  const removed: string[] = [];
  const final: AppRole[] = [];
  const disabling: AppRole[] = [];
  for (const role of existing) {
    const want = role.value === null ? undefined : wanted.get(role.value);
    if (want) {
      wanted.delete(want.value);
      const next: AppRole = {
        ...role,
        displayName: want.displayName ?? want.value,
        description: want.description ?? role.description ?? want.value,
        isEnabled: true,
      };
      if (next.displayName !== role.displayName || next.description !== role.description || !role.isEnabled) {
        updated.push(want.value);
      }
      final.push(next);
    } else if (isOwnedRole(role)) {
      removed.push(role.value ?? role.id);
      if (role.isEnabled) disabling.push({ ...role, isEnabled: false });
    } else {
      final.push(role);
    }
  }
  for (const want of wanted.values()) {
    added.push(want.value);
    final.push({
      allowedMemberTypes: ['User'],
      description: want.description ?? want.value,
      displayName: want.displayName ?? want.value,
      id: roleIdFor(want.value),
      isEnabled: true,
      value: want.value,
    });
  }
  const steps: AppRole[][] = [];
  if (disabling.length > 0) steps.push([...final, ...disabling]);
  if (added.length + updated.length + removed.length > 0) steps.push(final);
  return { steps, added, updated, removed };
}

/** Publishes roles on the application object (`PATCH /applications/{id}`); Graph mirrors them to its service principal. */
export class GraphAppRolePublisher implements AppRolePublisher {
  readonly #client: Client;
  readonly #applicationId: string;

  constructor(client: Client, applicationId: string) {
    this.#client = client;
    this.#applicationId = applicationId;
  }

  async roles(): Promise<readonly AppRole[]> {
    try {
      const app = (await this.#client.api(`/applications/${this.#applicationId}`).select('id,appRoles').get()) as {
        appRoles?: AppRole[];
      };
      return app.appRoles ?? [];
    } catch (error) {
      throw graphFailure(error, 'reading the application roles');
    }
  }

  async publish(desired: readonly DesiredRole[]): Promise<PublishResult> {
    const plan = planAppRoles(await this.roles(), desired);
    for (const appRoles of plan.steps) {
      try {
        await this.#client.api(`/applications/${this.#applicationId}`).patch({ appRoles: appRoles.map(writableRole) });
      } catch (error) {
        throw graphFailure(error, 'publishing the application roles');
      }
    }
    return { roles: await this.roles(), added: plan.added, updated: plan.updated, removed: plan.removed };
  }
}

// `origin` is read-only on Graph; send only what a client may set.
function writableRole(role: AppRole): Omit<AppRole, 'origin'> {
  const { origin: _origin, ...rest } = role;
  return rest;
}
