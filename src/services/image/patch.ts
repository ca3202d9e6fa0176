import type { Cloud } from '../../cloud.js';
import { BadRequest, Conflict, Forbidden, UnsupportedMediaType } from '../../server/errors.js';
import {
  CORE,
  checkPerImageLimits,
  getVisibleImage,
  isReservedName,
  READ_ONLY,
  requireNonNegative,
  saveImage,
} from './images.js';
import { type Caller, requireMutable, requireVisibilityAllowed } from './policy.js';
import { imageSchema } from './schemas.js';
import type { Image } from './store.js';
import { validateObject } from './validate.js';

// PATCH /v2/images/{id}: JSON-patch-like changes in Glance's two media types
// (v2.1 is draft 10: {"op", "path", "value"}; v2.0 is draft 4: {"replace": path}).

export const PATCH_TYPES: Record<string, 4 | 10> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

const OPS = ['add', 'remove', 'replace'] as const;
type Op = (typeof OPS)[number];

export interface Change {
  op: Op;
  path: string[];
  value?: unknown;
  draft: 4 | 10;
}

/** Glance's accepted JSON pointers: "/name", with ~0 and ~1 escapes and nothing odd. */
function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || !pointer.startsWith('/'))
    throw new BadRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw new BadRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw new BadRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~'))
    throw new BadRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer
    .replace(/^\/+/, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/** Parses and checks a PATCH body (Glance's RequestDeserializer.update). */
export function parseChanges(contentType: string | undefined, body: unknown): Change[] {
  const draft = PATCH_TYPES[(contentType ?? '').split(';')[0].trim().toLowerCase()];
  if (!draft) {
    const err = new UnsupportedMediaType('The request media type is not supported by this server.');
    err.headers['Accept-Patch'] = Object.keys(PATCH_TYPES).sort().join(', ');
    throw err;
  }
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new BadRequest('Operations must be JSON objects.');
    let op: Op;
    let pointer: unknown;
    if (draft === 10) {
      if (raw.op === undefined)
        throw new BadRequest(
          `Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS.join(', ')}.`,
        );
      if (!OPS.includes(raw.op))
        throw new BadRequest(`Invalid operation: \`${raw.op}\`. It must be one of the following: ${OPS.join(', ')}.`);
      op = raw.op;
      if (!('path' in raw)) throw new BadRequest("Unable to find 'path' in JSON Schema change");
      pointer = raw.path;
    } else {
      const present = OPS.filter((o) => o in raw);
      if (present.length > 1)
        throw new BadRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
      if (present.length === 0)
        throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
      op = present[0];
      pointer = raw[op];
    }
    const path = decodePointer(pointer);
    const depth = path[0] === 'locations' ? { add: 2, remove: 2, replace: 1 }[op] : 1;
    if (path.length !== depth) throw new BadRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    const change: Change = { op, path, draft };
    if (op !== 'remove') {
      if (!('value' in raw)) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
      change.value = raw.value;
    }
    const root = path[0];
    if (READ_ONLY.includes(root)) throw new Forbidden(`Attribute '${root}' is read-only.`);
    if (isReservedName(root)) throw new Forbidden(`Attribute '${root}' is reserved.`);
    if (op !== 'remove' && root !== 'locations') validateObject('image', { [root]: change.value }, imageSchema);
    return change;
  });
}

const COLUMN: Record<string, (image: Image, value: any) => void> = {
  name: (i, v) => (i.name = v),
  visibility: (i, v) => (i.visibility = v),
  protected: (i, v) => (i.protected = v ? 1 : 0),
  os_hidden: (i, v) => (i.os_hidden = v ? 1 : 0),
  min_disk: (i, v) => {
    requireNonNegative('min_disk', v);
    i.min_disk = v;
  },
  min_ram: (i, v) => {
    requireNonNegative('min_ram', v);
    i.min_ram = v;
  },
  owner: (i, v) => (i.owner = v),
  tags: (i, v) => (i.tags = [...new Set<string>(v)]),
  disk_format: (i, v) => {
    if (i.status !== 'queued' && i.status !== 'importing')
      throw new Forbidden('Attribute disk_format can be only replaced for a queued image.');
    i.disk_format = v;
  },
  container_format: (i, v) => {
    if (i.status !== 'queued' && i.status !== 'importing')
      throw new Forbidden('Attribute container_format can be only replaced for a queued image.');
    i.container_format = v;
  },
};

function applyChange(caller: Caller, image: Image, change: Change): void {
  const root = change.path[0];
  if (root === 'locations') {
    if (change.op === 'replace' && Array.isArray(change.value) && change.value.length === 0)
      throw new Forbidden('Cannot set locations to empty list.');
    const verb = { add: 'add', remove: 'remove', replace: 'update' }[change.op];
    throw new Forbidden(`It's not allowed to ${verb} locations if locations are invisible.`);
  }
  if (root === 'owner' && change.op === 'replace' && !caller.isAdmin)
    throw new Forbidden("Owner can't be updated by non admin.");
  if (root === 'visibility') requireVisibilityAllowed(caller, change.value);
  requireMutable(caller, image);
  const core = CORE.includes(root);
  if (change.op === 'remove') {
    if (core) throw new Forbidden(`Property ${root} may not be removed.`);
    if (!(root in image.properties)) throw new Conflict(`Property ${root} does not exist.`);
    delete image.properties[root];
    return;
  }
  if (change.op === 'add' && change.draft === 4 && (core || root in image.properties))
    throw new Conflict(`Property ${root} already present.`);
  if (core) COLUMN[root](image, change.value);
  else if (change.op === 'replace' && !(root in image.properties))
    throw new Conflict(`Property ${root} does not exist.`);
  else image.properties[root] = change.value;
}

/** Applies the changes in order and saves them together; any failure changes nothing. */
export async function patchImage(cloud: Cloud, caller: Caller, id: string, changes: Change[]): Promise<Image> {
  const image = await getVisibleImage(cloud, caller, id);
  if (changes.length === 0) return image;
  const status = image.status;
  for (const change of changes) applyChange(caller, image, change);
  checkPerImageLimits(image);
  if (!(await saveImage(cloud, image, status)))
    throw new Conflict(`Image ${id} changed while it was being updated; try again.`);
  return image;
}
