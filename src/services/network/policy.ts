import type { AuthContext } from '../../server/auth.js';
import { isMember } from '../../server/policy.js';
import { policyRefused } from './errors.js';

// Neutron's default policy, as DevStack runs it: admins see and change
// everything; members manage their own project's resources; shared and
// external networks (and their subnets) are visible to every project. What a
// caller may not see answers 404, what it sees but may not change answers 403.

export function owns(ctx: AuthContext, projectId: string): boolean {
  return ctx.isAdmin || projectId === ctx.projectId;
}

/** Visible: own, admin, or (networks) shared/external. */
export function seesNetwork(ctx: AuthContext, net: { project_id: string; shared: number; external: number }): boolean {
  return owns(ctx, net.project_id) || net.shared === 1 || net.external === 1;
}

/** Writes need the member role (a reader may look, not touch). */
export function requireWriter(ctx: AuthContext, action: string): void {
  if (!isMember(ctx)) throw policyRefused(`rule:${action}`);
}

/** The caller may change a resource it can see: own project or admin. */
export function requireOwner(ctx: AuthContext, projectId: string, action: string): void {
  requireWriter(ctx, action);
  if (!owns(ctx, projectId)) throw policyRefused(`rule:${action}`);
}

/** Admin-only attributes (provider:*, shared on create, router:external, binding:host_id...). */
export function requireAdminFor(ctx: AuthContext, rule: string): void {
  if (!ctx.isAdmin) throw policyRefused(rule);
}
