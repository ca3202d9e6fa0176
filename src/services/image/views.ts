import { isoSeconds } from '../../server/time.js';
import type { Image, MemberRow } from './store.js';

/** The one store pocketstack has, named as Glance's file store is. */
export const STORE_ID = 'file';

/** An image as Glance shows it: custom properties first, then the core ones, then the links. */
export function imageView(image: Image): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(image.properties)) if (v !== null) view[k] = v;
  Object.assign(view, {
    name: image.name,
    disk_format: image.disk_format,
    container_format: image.container_format,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtual_size,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected === 1,
    min_ram: image.min_ram,
    min_disk: image.min_disk,
    owner: image.owner,
    os_hidden: image.os_hidden === 1,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    id: image.id,
    created_at: isoSeconds(image.created_at),
    updated_at: isoSeconds(image.updated_at),
    tags: image.tags,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  });
  if (hasData(image)) view.stores = STORE_ID;
  return view;
}

/** Whether the image's data sits in the store (what Glance calls having a location). */
export function hasData(image: { status: string }): boolean {
  return image.status === 'active' || image.status === 'deactivated';
}

export function memberView(m: MemberRow) {
  return {
    member_id: m.member,
    image_id: m.image_id,
    status: m.status,
    created_at: isoSeconds(m.created_at),
    updated_at: isoSeconds(m.updated_at),
    schema: '/v2/schemas/member',
  };
}
