import type { TestCloud } from '../../helpers.js';

// Small helpers shared by the image tests.

export const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

export async function create(t: TestCloud, as: string, body: Record<string, unknown> = {}) {
  const res = await t.call({
    method: 'POST',
    url: '/image/v2/images',
    as,
    payload: { disk_format: 'raw', container_format: 'bare', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function upload(t: TestCloud, as: string, id: string, data: Buffer | string) {
  return t.call({
    method: 'PUT',
    url: `/image/v2/images/${id}/file`,
    as,
    headers: { 'content-type': 'application/octet-stream' },
    payload: data,
  });
}

export async function patch(t: TestCloud, as: string, id: string, ops: unknown, type = PATCH_TYPE) {
  return t.call({
    method: 'PATCH',
    url: `/image/v2/images/${id}`,
    as,
    headers: { 'content-type': type },
    payload: JSON.stringify(ops),
  });
}

export async function projectId(t: TestCloud, name: string): Promise<string> {
  const row = await t.cloud.db.selectFrom('projects').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return row.id as string;
}
