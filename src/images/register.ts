import { createReadStream, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { isRunning, readState } from '../cli/state.js';
import type { Cloud } from '../cloud.js';
import { getProjectByName } from '../services/identity/store.js';
import { createImage, deleteImage } from '../services/image/images.js';
import { idb } from '../services/image/store.js';
import { storeData } from '../services/image/upload.js';

// Puts a built image into Glance: in-process (the cloud's own image service,
// as the default image at first start) or over HTTP as admin with the
// credentials the data dir's running cloud left (`pocketstack images build
// ... --register` from another shell). Images pocketstack registered earlier
// under the same name (marked by the `pocketstack_image` property, or the
// blank placeholder) are removed once the new one is active, so the name
// keeps naming one image.

/** Properties DevStack's CirrOS gets, and what the qemu driver reads: virtio disk, NIC and RNG. */
export function imageProperties(kind: 'tiny' | 'debian', key: string, extra: Record<string, string> = {}) {
  return {
    hw_disk_bus: 'virtio',
    hw_vif_model: 'virtio',
    hw_rng_model: 'virtio',
    os_type: 'linux',
    pocketstack_image: `${kind}-${key}`,
    ...extra,
  };
}

export interface Registration {
  name: string;
  file: string;
  properties: Record<string, string>;
  /** Glance's min_disk (GiB). */
  minDisk?: number;
  /** Called with bytes sent so far (HTTP upload progress). */
  onProgress?: (sent: number, total: number) => void;
}

/** Whether an existing image is one pocketstack may replace under its name. */
function replaceable(properties: Record<string, unknown>): boolean {
  return (
    typeof properties.pocketstack_image === 'string' ||
    String(properties.description ?? '').startsWith('pocketstack default image: a blank')
  );
}

/** Registers through the cloud's image service (no HTTP); returns the new image id. */
export async function registerInProcess(cloud: Cloud, reg: Registration): Promise<string> {
  const admin = await getProjectByName(cloud, 'default', 'admin');
  if (!admin) throw new Error('no admin project');
  const caller = { projectId: admin.id, isAdmin: true };
  const before = await idb(cloud)
    .selectFrom('images')
    .select('id')
    .where('name', '=', reg.name)
    .where('owner', '=', admin.id)
    .execute();
  const image = await createImage(cloud, caller, {
    name: reg.name,
    visibility: 'public',
    disk_format: 'qcow2',
    container_format: 'bare',
    status: 'saving',
    min_disk: reg.minDisk ?? 0,
    properties: reg.properties,
  });
  await storeData(cloud, image, createReadStream(reg.file));
  for (const { id } of before) {
    const props = await idb(cloud)
      .selectFrom('image_properties')
      .select(['name', 'value'])
      .where('image_id', '=', id)
      .execute();
    const map = Object.fromEntries(props.map((p) => [p.name, JSON.parse(p.value)]));
    if (replaceable(map)) await deleteImage(cloud, caller, id).catch(() => {});
  }
  return image.id;
}

interface Token {
  token: string;
  imageUrl: string;
}

async function adminToken(dataDir: string): Promise<Token> {
  const state = readState(dataDir);
  if (!state || !isRunning(state))
    throw new Error(`no pocketstack is running with data dir ${dataDir} (start it, or use --output)`);
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', domain: { id: 'default' }, password: state.password } },
      },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  };
  const res = await fetch(`${state.url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const token = res.headers.get('x-subject-token');
  if (!res.ok || !token) throw new Error(`Keystone refused the admin login (${res.status}): ${await res.text()}`);
  return { token, imageUrl: `${state.url}/image/v2` };
}

async function call(t: Token, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${t.imageUrl}${path}`, {
    method,
    headers: { 'X-Auth-Token': t.token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} /image/v2${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** Registers over HTTP as admin of the cloud running on `dataDir`; returns the new image id. */
export async function registerOverHttp(dataDir: string, reg: Registration): Promise<string> {
  const t = await adminToken(dataDir);
  const q = new URLSearchParams({ name: reg.name, visibility: 'all', limit: '1000' });
  const before: { id: string; [k: string]: unknown }[] = (await call(t, 'GET', `/images?${q}`)).images;
  const image = await call(t, 'POST', '/images', {
    name: reg.name,
    visibility: 'public',
    disk_format: 'qcow2',
    container_format: 'bare',
    min_disk: reg.minDisk ?? 0,
    ...reg.properties,
  });
  const total = statSync(reg.file).size;
  let sent = 0;
  const counted = createReadStream(reg.file).pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        reg.onProgress?.(sent, total);
        done(null, chunk);
      },
    }),
  );
  const res = await fetch(`${t.imageUrl}/images/${image.id}/file`, {
    method: 'PUT',
    headers: { 'X-Auth-Token': t.token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) },
    body: Readable.toWeb(counted) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (!res.ok) {
    await call(t, 'DELETE', `/images/${image.id}`).catch(() => {});
    throw new Error(`upload of ${reg.file} failed: ${res.status} ${await res.text()}`);
  }
  for (const old of before)
    if (old.id !== image.id && replaceable(old)) await call(t, 'DELETE', `/images/${old.id}`).catch(() => {});
  return image.id;
}
