import type { Cloud } from '../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound, OverQuota } from '../../server/errors.js';
import { now } from '../../server/time.js';
import { getVisibleImageAs } from './images.js';
import type { Caller } from './policy.js';
import { getMember, type Image, idb, type MemberRow, type MemberStatus } from './store.js';

// Image sharing: the owner of a `shared` image adds projects as members; each
// member accepts or rejects it (only accepted ones list it by default). Only
// the owner adds and removes members; only the member changes its status.
// A member sees its own membership; the owner and admins see them all.

export const MEMBER_QUOTA = 128;

function isOwner(caller: Caller, image: Image): boolean {
  return !!caller.projectId && caller.projectId === image.owner;
}

function requireShared(image: Image, wording: string): void {
  if (image.visibility !== 'shared') throw new Forbidden(wording);
}

/** The memberships of the image the caller may see. */
export async function listMembers(cloud: Cloud, caller: Caller, imageId: string): Promise<MemberRow[]> {
  const image = await getVisibleImageAs(cloud, caller, imageId);
  requireShared(image, `Not allowed to list members for image ${imageId}: Only shared images have members.`);
  let q = idb(cloud).selectFrom('image_members').selectAll().where('image_id', '=', imageId).orderBy('created_at');
  if (!caller.isAdmin && !isOwner(caller, image)) q = q.where('member', '=', caller.projectId ?? '');
  return q.execute();
}

async function lookupMember(cloud: Cloud, caller: Caller, image: Image, memberId: string): Promise<MemberRow> {
  const row = await getMember(idb(cloud), image.id, memberId);
  const seen = row && (caller.isAdmin || isOwner(caller, image) || row.member === caller.projectId);
  if (!seen) throw new NotFound(`${memberId} not found in the member list of the image ${image.id}.`);
  return row;
}

export async function showMember(cloud: Cloud, caller: Caller, imageId: string, memberId: string) {
  const image = await getVisibleImageAs(cloud, caller, imageId);
  // Glance hides every refusal here behind a 404
  if (image.visibility !== 'shared') throw new NotFound('Only shared images have members.');
  return lookupMember(cloud, caller, image, memberId);
}

export async function addMember(cloud: Cloud, caller: Caller, imageId: string, body: unknown): Promise<MemberRow> {
  if (body === undefined || body === null) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest('Expected a member in the form: {"member": "image_id"}');
  const memberId = (body as Record<string, unknown>).member;
  if (memberId === undefined) throw new BadRequest('Member to be added not specified');
  if (!memberId) throw new BadRequest("Member can't be empty");
  if (typeof memberId !== 'string') throw new BadRequest('Expected a member in the form: {"member": "image_id"}');
  const image = await getVisibleImageAs(cloud, caller, imageId);
  const refused = `Not allowed to create members for image ${imageId}.`;
  requireShared(image, refused);
  if (!caller.isAdmin && !isOwner(caller, image)) throw new Forbidden(refused);
  const at = now();
  const row: MemberRow = { image_id: imageId, member: memberId, status: 'pending', created_at: at, updated_at: at };
  await idb(cloud)
    .transaction()
    .execute(async (trx) => {
      if (await getMember(trx, imageId, memberId))
        throw new Conflict(`Member ${memberId} is duplicated for image ${imageId}`);
      const { n } = await trx
        .selectFrom('image_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('image_id', '=', imageId)
        .executeTakeFirstOrThrow();
      if (Number(n) + 1 > MEMBER_QUOTA)
        throw new OverQuota(
          `Image member limit exceeded for image ${imageId}: The limit has been exceeded on the number of allowed image members for this image. Attempted: ${Number(n) + 1}, Maximum: ${MEMBER_QUOTA}:`,
        );
      await trx.insertInto('image_members').values(row).execute();
    });
  return row;
}

export async function updateMember(
  cloud: Cloud,
  caller: Caller,
  imageId: string,
  memberId: string,
  body: unknown,
): Promise<MemberRow> {
  if (body === undefined || body === null) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest('Expected a status in the form: {"status": "status"}');
  if (!('status' in body)) throw new BadRequest('Status not specified');
  const status = (body as Record<string, unknown>).status;
  const image = await getVisibleImageAs(cloud, caller, imageId);
  const refused = `Not allowed to update members for image ${imageId}.`;
  requireShared(image, refused);
  if (!caller.isAdmin && isOwner(caller, image)) throw new Forbidden(refused);
  const row = await lookupMember(cloud, caller, image, memberId);
  if (status !== 'pending' && status !== 'accepted' && status !== 'rejected')
    throw new BadRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
  const at = now();
  await idb(cloud)
    .updateTable('image_members')
    .set({ status: status as MemberStatus, updated_at: at })
    .where('image_id', '=', imageId)
    .where('member', '=', memberId)
    .execute();
  return { ...row, status: status as MemberStatus, updated_at: at };
}

export async function removeMember(cloud: Cloud, caller: Caller, imageId: string, memberId: string): Promise<void> {
  const image = await getVisibleImageAs(cloud, caller, imageId);
  const refused = `Not allowed to delete members for image ${imageId}.`;
  requireShared(image, refused);
  if (!caller.isAdmin && !isOwner(caller, image)) throw new Forbidden(refused);
  await lookupMember(cloud, caller, image, memberId);
  await idb(cloud).deleteFrom('image_members').where('image_id', '=', imageId).where('member', '=', memberId).execute();
}
