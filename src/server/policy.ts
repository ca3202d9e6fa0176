import type { AuthContext } from './auth.js';
import { Forbidden } from './errors.js';

// OpenStack's default roles: reader ⊂ member ⊂ admin (implied roles put all
// three in an admin's token). Services build their policy.ts from these.

export function isAdmin(ctx: AuthContext): boolean {
  return ctx.isAdmin;
}

export function isMember(ctx: AuthContext): boolean {
  return ctx.roles.includes('member') || ctx.isAdmin;
}

export function isReader(ctx: AuthContext): boolean {
  return ctx.roles.includes('reader') || isMember(ctx);
}

/** The caller's project owns the resource, or the caller is an admin. */
export function ownsOrAdmin(ctx: AuthContext, projectId: string | null | undefined): boolean {
  return ctx.isAdmin || (!!projectId && projectId === ctx.projectId);
}

export function requireAdmin(ctx: AuthContext, message?: string): void {
  if (!ctx.isAdmin) throw new Forbidden(message);
}

/** A project-scoped token is needed (most service APIs act on "the caller's project"). */
export function requireProject(ctx: AuthContext): string {
  if (!ctx.projectId) throw new Forbidden('A project-scoped token is required.');
  return ctx.projectId;
}
