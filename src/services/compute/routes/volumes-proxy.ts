import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { ApiError, BadRequest, NotFound } from '../../../server/errors.js';
import { isoMicrosNoZone } from '../../../server/time.js';
import {
  createSnapshot,
  createVolume,
  deleteSnapshot,
  deleteVolume,
  getSnapshot,
  listSnapshots,
  listVolumes,
  type SnapshotInfo,
  type VolumeInfo,
} from '../../volume/internal.js';
import { type NovaRequest, pagination } from '../api.js';
import { novaVolume, visibleProject } from '../cinder.js';
import { type Schema, toBool, types, validateBody } from '../validation.js';

// The volume proxy of Nova 2.1–2.35 (/os-volumes, /os-snapshots): Cinder's
// volumes and snapshots in Nova's camelCase shape. Gone from 2.36.

const createSchema: Schema = {
  type: 'object',
  properties: {
    volume: {
      type: 'object',
      properties: {
        volume_type: { type: 'string' },
        metadata: { type: 'object' },
        snapshot_id: { type: 'string' },
        size: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1 },
        availability_zone: { type: 'string' },
        display_name: { type: 'string' },
        display_description: { type: 'string' },
      },
      required: ['size'],
      additionalProperties: false,
    },
  },
  required: ['volume'],
  additionalProperties: false,
};

const snapshotSchema: Schema = {
  type: 'object',
  properties: {
    snapshot: {
      type: 'object',
      properties: {
        volume_id: { type: 'string' },
        force: types.boolean,
        display_name: { type: 'string' },
        display_description: { type: 'string' },
      },
      required: ['volume_id'],
      additionalProperties: false,
    },
  },
  required: ['snapshot'],
  additionalProperties: false,
};

function volumeView(v: VolumeInfo) {
  const attached = v.attachments.filter((a) => a.status === 'attached');
  return {
    id: v.id,
    status: v.status,
    size: v.size,
    availabilityZone: v.availabilityZone,
    createdAt: isoMicrosNoZone(v.createdAt),
    attachments: attached.length
      ? attached.map((a) => ({
          id: v.id,
          volumeId: v.id,
          serverId: a.serverId,
          ...(a.device ? { device: a.device } : {}),
        }))
      : [{}],
    displayName: v.name,
    displayDescription: v.description,
    volumeType: v.volumeType,
    snapshotId: v.snapshotId,
    metadata: v.metadata,
  };
}

function snapshotView(s: SnapshotInfo) {
  return {
    id: s.id,
    volumeId: s.volumeId,
    status: s.status,
    size: s.size,
    createdAt: isoMicrosNoZone(s.createdAt),
    displayName: s.name,
    displayDescription: s.description,
  };
}

/** A snapshot the caller may see, or Nova's 404. */
async function novaSnapshot(cloud: Cloud, req: NovaRequest, id: string): Promise<SnapshotInfo> {
  const s = await getSnapshot(cloud, id, visibleProject(req.auth));
  if (!s) throw new NotFound(`Snapshot ${id} could not be found.`);
  return s;
}

/** Cinder's refusals in the proxy: what it cannot find is a 404, what it refuses a 400. */
function reword(e: unknown): unknown {
  if (e instanceof ApiError && e.status === 404) return new NotFound(e.message);
  if (e instanceof ApiError && (e.status === 400 || e.status === 409)) return new BadRequest(e.message);
  return e;
}

function proxyOnly(req: NovaRequest): void {
  if (req.microversion.atLeast('2.36')) throw new NotFound('The resource could not be found.');
}

/** `GET /os-volumes/` is a show with an empty id to Nova, not the list. */
function emptyId(req: FastifyRequest, what: string): void {
  if (req.originalUrl.split('?')[0].endsWith('/')) throw new NotFound(`${what}  could not be found.`);
}

function paged<T>(req: NovaRequest, list: T[]): T[] {
  const { limit, offset } = pagination(req);
  return list.slice(offset, offset + limit);
}

export async function volumeProxyRoutes(app: FastifyInstance, cloud: Cloud) {
  const id = (req: NovaRequest) => (req.params as { id: string }).id;
  const list = async (req: NovaRequest) =>
    paged(req, (await listVolumes(cloud, req.auth.projectId ?? '')).map(volumeView));
  app.get('/os-volumes', async (req) => {
    proxyOnly(req);
    emptyId(req, 'Volume');
    return { volumes: await list(req) };
  });
  app.get('/os-volumes/detail', async (req) => {
    proxyOnly(req);
    return { volumes: await list(req) };
  });
  app.get('/os-volumes/:id', async (req) => {
    proxyOnly(req);
    return { volume: volumeView(await novaVolume(cloud, id(req), visibleProject(req.auth))) };
  });
  app.post('/os-volumes', async (req) => {
    proxyOnly(req);
    const v = validateBody(createSchema, req.body).volume;
    const made = await createVolume(cloud, {
      auth: req.auth,
      size: Number(v.size),
      name: v.display_name,
      description: v.display_description,
      volumeType: v.volume_type,
      availabilityZone: v.availability_zone,
      snapshotId: v.snapshot_id,
      metadata: v.metadata,
    }).catch((e) => {
      throw reword(e);
    });
    return { volume: volumeView(made) };
  });
  app.delete('/os-volumes/:id', async (req, reply) => {
    proxyOnly(req);
    await novaVolume(cloud, id(req), visibleProject(req.auth));
    await deleteVolume(cloud, id(req), req.auth).catch((e) => {
      throw reword(e);
    });
    return reply.code(202).send();
  });

  const snapshots = async (req: NovaRequest) =>
    paged(req, (await listSnapshots(cloud, req.auth.projectId ?? '')).map(snapshotView));
  app.get('/os-snapshots', async (req) => {
    proxyOnly(req);
    return { snapshots: await snapshots(req) };
  });
  app.get('/os-snapshots/detail', async (req) => {
    proxyOnly(req);
    return { snapshots: await snapshots(req) };
  });
  app.get('/os-snapshots/:id', async (req) => {
    proxyOnly(req);
    return { snapshot: snapshotView(await novaSnapshot(cloud, req, id(req))) };
  });
  app.post('/os-snapshots', async (req) => {
    proxyOnly(req);
    const s = validateBody(snapshotSchema, req.body).snapshot;
    const made = await createSnapshot(cloud, {
      auth: req.auth,
      volumeId: s.volume_id,
      force: s.force !== undefined && toBool(s.force),
      name: s.display_name,
      description: s.display_description,
    }).catch((e) => {
      throw reword(e);
    });
    return { snapshot: snapshotView(made) };
  });
  app.delete('/os-snapshots/:id', async (req, reply) => {
    proxyOnly(req);
    await novaSnapshot(cloud, req, id(req));
    await deleteSnapshot(cloud, id(req), req.auth).catch((e) => {
      throw reword(e);
    });
    return reply.code(202).send();
  });
}
