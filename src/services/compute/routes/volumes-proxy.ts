import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { ApiError, BadRequest, NotFound } from '../../../server/errors.js';
import { isoMicrosNoZone } from '../../../server/time.js';
import type { SnapshotRow } from '../../volume/store.js';
import { type NovaRequest, pagination } from '../api.js';
import {
  createSnapshotAs,
  createVolumeAs,
  deleteSnapshotAs,
  deleteVolumeAs,
  listSnapshotsAs,
  listVolumesAs,
  type ProxyVolume,
  showSnapshotAs,
  showVolumeAs,
} from '../cinder.js';
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

function volumeView(v: ProxyVolume) {
  return {
    id: v.id,
    status: v.status,
    size: v.size,
    availabilityZone: v.availability_zone,
    createdAt: isoMicrosNoZone(v.created_at),
    attachments: v.attachments.length
      ? v.attachments.map((a) => ({
          id: v.id,
          volumeId: v.id,
          serverId: a.serverId,
          ...(a.device ? { device: a.device } : {}),
        }))
      : [{}],
    displayName: v.name,
    displayDescription: v.description,
    volumeType: v.type,
    snapshotId: v.snapshot_id,
    metadata: v.metadata,
  };
}

function snapshotView(s: SnapshotRow) {
  return {
    id: s.id,
    volumeId: s.volume_id,
    status: s.status,
    size: s.size,
    createdAt: isoMicrosNoZone(s.created_at),
    displayName: s.name,
    displayDescription: s.description,
  };
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
  const list = async (req: NovaRequest) => paged(req, (await listVolumesAs(req.auth, cloud)).map(volumeView));
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
    return { volume: volumeView(await showVolumeAs(cloud, req.auth, (req.params as { id: string }).id)) };
  });
  app.post('/os-volumes', async (req) => {
    proxyOnly(req);
    const v = validateBody(createSchema, req.body).volume;
    const made = await createVolumeAs(cloud, req.auth, {
      size: Number(v.size),
      name: v.display_name,
      description: v.display_description,
      type: v.volume_type,
      zone: v.availability_zone,
      snapshotId: v.snapshot_id,
      metadata: v.metadata,
    }).catch((e) => {
      throw reword(e);
    });
    return { volume: volumeView(made) };
  });
  app.delete('/os-volumes/:id', async (req, reply) => {
    proxyOnly(req);
    await deleteVolumeAs(cloud, req.auth, (req.params as { id: string }).id).catch((e) => {
      throw reword(e);
    });
    return reply.code(202).send();
  });

  app.get('/os-snapshots', async (req) => {
    proxyOnly(req);
    return { snapshots: paged(req, (await listSnapshotsAs(cloud, req.auth)).map(snapshotView)) };
  });
  app.get('/os-snapshots/detail', async (req) => {
    proxyOnly(req);
    return { snapshots: paged(req, (await listSnapshotsAs(cloud, req.auth)).map(snapshotView)) };
  });
  app.get('/os-snapshots/:id', async (req) => {
    proxyOnly(req);
    return { snapshot: snapshotView(await showSnapshotAs(cloud, req.auth, (req.params as { id: string }).id)) };
  });
  app.post('/os-snapshots', async (req) => {
    proxyOnly(req);
    const s = validateBody(snapshotSchema, req.body).snapshot;
    const made = await createSnapshotAs(cloud, req.auth, {
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
    await deleteSnapshotAs(cloud, req.auth, (req.params as { id: string }).id).catch((e) => {
      throw reword(e);
    });
    return reply.code(202).send();
  });
}
