import { type ExpressionBuilder, sql } from 'kysely';
import { Forbidden, NotFound } from '../../server/errors.js';
import type { ImageRow, ImageTables, Visibility } from './store.js';

/**
 * Who asks, as the image service needs to know it. A request's AuthContext
 * fits; other services pass their caller's.
 */
export interface Caller {
  projectId?: string;
  isAdmin: boolean;
  /** Recorded on import tasks when known. */
  userId?: string;
}

// Glance's (Zed) default rules: any authenticated caller may read what is
// visible to it; changing an image needs its owner or an admin; only admins
// publicize. Visibility is decided as Glance's database layer decides it.

/** Whether the caller may see the image at all (GET); members see a shared image whatever their status. */
export function isVisible(caller: Caller, image: ImageRow, memberOfShared: boolean): boolean {
  if (caller.isAdmin || image.owner === null) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  if (caller.projectId && caller.projectId === image.owner) return true;
  return image.visibility === 'shared' && memberOfShared;
}

export function imageNotFound(id: string): NotFound {
  return new NotFound(`No image found with ID ${id}`);
}

/** Changing an image (metadata, data, state) needs its owner or an admin. */
export function requireMutable(caller: Caller, image: ImageRow, message = 'You do not own this image'): void {
  if (caller.isAdmin) return;
  if (!image.owner || !caller.projectId || image.owner !== caller.projectId) throw new Forbidden(message);
}

/** publicize_image is admin-only by default; communitize_image is open to owners. */
export function requireVisibilityAllowed(caller: Caller, visibility: unknown): void {
  if (visibility === 'public' && !caller.isAdmin)
    throw new Forbidden('You are not authorized to complete publicize_image action.');
}

/** Creating an image owned by another project needs an admin. */
export function requireOwnerAllowed(caller: Caller, owner: string | null | undefined): void {
  if (caller.isAdmin || owner === undefined || owner === caller.projectId) return;
  throw new Forbidden(`You are not permitted to create images owned by '${owner}'.`);
}

export type ListVisibility = Visibility | 'all' | undefined;

/**
 * The images a list shows the caller, as Glance's database layer selects
 * them: public, community, its own, and shared ones it is a member of (with
 * member_status, "accepted" unless asked); then a visibility filter, or
 * without one, no community images but the caller's own.
 */
export function listVisibilityFilter(caller: Caller, visibility: ListVisibility, memberStatus: string) {
  return (eb: ExpressionBuilder<ImageTables, 'images'>) => {
    const conds = [];
    if (!caller.isAdmin) {
      const member = eb
        .selectFrom('image_members')
        .select(sql<number>`1`.as('one'))
        .whereRef('image_members.image_id', '=', 'images.id')
        .where('image_members.member', '=', caller.projectId ?? '')
        .$if(memberStatus !== 'all', (q) => q.where('image_members.status', '=', memberStatus as any));
      const reach = [
        eb('images.visibility', 'in', ['public', 'community']),
        eb.and([eb('images.visibility', '=', 'shared'), eb.exists(member)]),
      ];
      if (caller.projectId) reach.push(eb('images.owner', '=', caller.projectId));
      conds.push(eb.or(reach));
    }
    if (visibility !== undefined) {
      if (visibility !== 'all') conds.push(eb('images.visibility', '=', visibility));
    } else if (!caller.projectId) {
      conds.push(eb('images.visibility', '!=', 'community'));
    } else {
      conds.push(eb.or([eb('images.owner', '=', caller.projectId), eb('images.visibility', '!=', 'community')]));
    }
    return eb.and(conds);
  };
}
