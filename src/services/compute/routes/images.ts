import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { ApiError, BadRequest, Forbidden, NotFound } from '../../../server/errors.js';
import { isoSeconds } from '../../../server/time.js';
import { computeBase, links, type NovaRequest, nextLink, pagination, qparam } from '../api.js';
import {
  deleteImage,
  getImageAs,
  type ImageInfo,
  listVisibleImages,
  removeImageProperty,
  setImageProperties,
} from '../glance.js';
import { limitsFor } from '../quotas.js';
import { cdb } from '../store.js';
import { type Schema, types, validateBody } from '../validation.js';

// The image proxy of Nova 2.1–2.35 (/images, /images/{id}/metadata):
// Glance's images in Nova's shape. Gone from 2.36 (2.39 for metadata).

const STATUS: Record<string, string> = {
  active: 'ACTIVE',
  queued: 'SAVING',
  saving: 'SAVING',
  deleted: 'DELETED',
  pending_delete: 'DELETED',
  killed: 'ERROR',
};
const PROGRESS: Record<string, number> = { active: 100, saving: 50, queued: 25 };

function imageLinks(req: NovaRequest, id: string) {
  const glance = `${computeBase(req).replace(/\/compute$/, '')}/image`;
  return [
    ...links(req, 'images', id),
    { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${glance}/images/${id}` },
  ];
}

function detailView(req: NovaRequest, i: ImageInfo) {
  const props = Object.fromEntries(Object.entries(i.properties).map(([k, v]) => [k, String(v)]));
  const out: Record<string, unknown> = {
    id: i.id,
    name: i.name,
    minRam: i.min_ram ?? 0,
    minDisk: i.min_disk ?? 0,
    metadata: props,
    created: isoSeconds(i.created_at),
    updated: isoSeconds(i.updated_at),
    status: STATUS[i.status] ?? 'UNKNOWN',
    progress: PROGRESS[i.status] ?? 0,
    'OS-EXT-IMG-SIZE:size': i.size,
    links: imageLinks(req, i.id),
  };
  if (props.instance_uuid)
    out.server = {
      id: props.instance_uuid,
      links: [
        { rel: 'self', href: `${computeBase(req)}/v2.1/servers/${props.instance_uuid}` },
        { rel: 'bookmark', href: `${computeBase(req)}/servers/${props.instance_uuid}` },
      ],
    };
  if (props.auto_disk_config !== undefined)
    out['OS-DCF:diskConfig'] = ['true', '1', 'yes', 'on'].includes(props.auto_disk_config.toLowerCase())
      ? 'AUTO'
      : 'MANUAL';
  return out;
}

function notFound(e: unknown): unknown {
  if (e instanceof ApiError && e.status === 404) return new NotFound('Image not found.');
  return e;
}

function proxyOnly(req: NovaRequest, until = '2.36'): void {
  if (req.microversion.atLeast(until)) throw new NotFound('The resource could not be found.');
}

const metadataBody = (key: 'metadata' | 'meta'): Schema => ({
  type: 'object',
  properties: { [key]: types.metadata },
  required: [key],
  additionalProperties: false,
});

export async function imageProxyRoutes(app: FastifyInstance, cloud: Cloud) {
  const get = (req: NovaRequest) =>
    getImageAs(cloud, req.auth, (req.params as { id: string }).id).catch((e) => {
      throw notFound(e);
    });

  async function list(req: NovaRequest): Promise<{ page: ImageInfo[]; limit: number }> {
    let images = await listVisibleImages(cloud, req.auth);
    const name = qparam(req, 'name');
    if (name !== undefined) images = images.filter((i) => i.name === name);
    const status = qparam(req, 'status');
    if (status !== undefined)
      images = images.filter(
        (i) => (STATUS[i.status] ?? '').toLowerCase() === status.toLowerCase() || i.status === status.toLowerCase(),
      );
    const server = qparam(req, 'server');
    if (server !== undefined) {
      const id = server.slice(server.lastIndexOf('/') + 1);
      images = images.filter((i) => i.properties.instance_uuid === id);
    }
    const type = qparam(req, 'type');
    if (type !== undefined) images = images.filter((i) => i.properties.image_type === type);
    const since = qparam(req, 'changes-since');
    if (since !== undefined) {
      const t = Date.parse(since);
      if (Number.isNaN(t)) throw new BadRequest(`Invalid input for query parameters changes-since. Value: ${since}.`);
      images = images.filter((i) => Date.parse(i.updated_at) >= t);
    }
    for (const [param, field] of [
      ['minRam', 'min_ram'],
      ['minDisk', 'min_disk'],
    ] as const) {
      const v = qparam(req, param);
      if (v !== undefined) images = images.filter((i) => (i[field] ?? 0) >= Number(v));
    }
    const { limit, marker } = pagination(req);
    if (marker !== undefined) {
      const at = images.findIndex((i) => i.id === marker);
      if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
      images = images.slice(at + 1);
    }
    return { page: images.slice(0, limit), limit };
  }

  app.get('/images', async (req) => {
    proxyOnly(req);
    const { page, limit } = await list(req);
    const next = nextLink(req, 'images', page, limit, (i: ImageInfo) => i.id);
    return {
      images: page.map((i) => ({ id: i.id, name: i.name, links: imageLinks(req, i.id) })),
      ...(next ? { images_links: next } : {}),
    };
  });

  app.get('/images/detail', async (req) => {
    proxyOnly(req);
    const { page, limit } = await list(req);
    const next = nextLink(req, 'images/detail', page, limit, (i: ImageInfo) => i.id);
    return { images: page.map((i) => detailView(req, i)), ...(next ? { images_links: next } : {}) };
  });

  app.get('/images/:id', async (req) => {
    proxyOnly(req);
    return { image: detailView(req, await get(req)) };
  });

  app.delete('/images/:id', async (req, reply) => {
    proxyOnly(req);
    const i = await get(req);
    await deleteImage(cloud, req.auth, i.id).catch((e) => {
      if (e instanceof ApiError && e.status === 403) throw new Forbidden('You are not allowed to delete the image.');
      throw notFound(e);
    });
    return reply.code(204).send();
  });

  // --- /images/{id}/metadata (until 2.39)
  const props = (i: ImageInfo) => Object.fromEntries(Object.entries(i.properties).map(([k, v]) => [k, String(v)]));
  const checkQuota = async (req: NovaRequest, count: number) => {
    const limit = (await limitsFor(cdb(cloud), req.auth.projectId ?? '')).metadata_items;
    if (limit >= 0 && count > limit) throw new Forbidden('Image metadata limit exceeded');
  };
  const change = async (req: NovaRequest, next: Record<string, string>, replace: boolean) =>
    setImageProperties(cloud, req.auth, (req.params as { id: string }).id, next, replace).catch((e) => {
      throw notFound(e);
    });

  app.get('/images/:id/metadata', async (req) => {
    proxyOnly(req, '2.39');
    return { metadata: props(await get(req)) };
  });

  app.post('/images/:id/metadata', async (req) => {
    proxyOnly(req, '2.39');
    const i = await get(req);
    const { metadata } = validateBody(metadataBody('metadata'), req.body);
    await checkQuota(req, Object.keys({ ...props(i), ...metadata }).length);
    return { metadata: props(await change(req, metadata, false)) };
  });

  app.put('/images/:id/metadata', async (req) => {
    proxyOnly(req, '2.39');
    await get(req);
    const { metadata } = validateBody(metadataBody('metadata'), req.body);
    await checkQuota(req, Object.keys(metadata).length);
    return { metadata: props(await change(req, metadata, true)) };
  });

  app.get('/images/:id/metadata/:key', async (req) => {
    proxyOnly(req, '2.39');
    const { key } = req.params as { key: string };
    const p = props(await get(req));
    if (!(key in p)) throw new NotFound('Invalid metadata key');
    return { meta: { [key]: p[key] } };
  });

  app.put('/images/:id/metadata/:key', async (req) => {
    proxyOnly(req, '2.39');
    const { key } = req.params as { key: string };
    const i = await get(req);
    const { meta } = validateBody(metadataBody('meta'), req.body);
    if (!(key in meta)) throw new BadRequest('Request body and URI mismatch');
    if (Object.keys(meta).length > 1) throw new BadRequest('Request body contains too many items');
    await checkQuota(req, Object.keys({ ...props(i), ...meta }).length);
    await change(req, meta, false);
    return { meta };
  });

  app.delete('/images/:id/metadata/:key', async (req, reply) => {
    proxyOnly(req, '2.39');
    const { key } = req.params as { key: string };
    const i = await get(req);
    if (!(key in i.properties)) throw new NotFound('Invalid metadata key');
    await removeImageProperty(cloud, req.auth, i.id, key);
    return reply.code(204).send();
  });
}
