import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { toDict, type VolumeTrx, vdb } from '../store.js';
import { member, metadataDict } from '../validate.js';
import { visibleSnapshot, visibleVolume } from '../volumes.js';

/** One metadata collection: which table holds it and which rows the caller may touch. */
interface MetadataKind {
  path: string;
  table: 'volume_metadata' | 'volume_snapshot_metadata';
  owner: 'volume_id' | 'snapshot_id';
  policy: string;
  /** Throws Cinder's 404 when the caller may not see the owner; checks its state for writes. */
  check(trx: VolumeTrx, caller: Caller, id: string, write: boolean): Promise<void>;
}

const KINDS: MetadataKind[] = [
  {
    path: '/volumes/:id/metadata',
    table: 'volume_metadata',
    owner: 'volume_id',
    policy: 'volume',
    async check(trx, caller, id, write) {
      const v = await visibleVolume(trx, caller, id);
      if (write && v.status === 'maintenance')
        throw new BadRequest(
          'Invalid volume: Updating volume metadata is not allowed for volumes in maintenance status.',
        );
    },
  },
  {
    path: '/snapshots/:id/metadata',
    table: 'volume_snapshot_metadata',
    owner: 'snapshot_id',
    policy: 'volume',
    async check(trx, caller, id) {
      await visibleSnapshot(trx, caller, id);
    },
  },
];

const itemMissing = () => new NotFound('Metadata item was not found');

/** Cinder's metadata sub-resources of volumes and snapshots (cinder/api/v3/volume_metadata.py, snapshot_metadata.py). */
export async function metadataRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  for (const kind of KINDS) {
    const t = kind.table;
    const read = (trx: VolumeTrx, id: string) =>
      trx
        .selectFrom(t)
        .select(['key', 'value'])
        .where(kind.owner as any, '=', id)
        .execute()
        .then(toDict);
    const write = async (trx: VolumeTrx, id: string, dict: Record<string, string>, replace: boolean) => {
      if (replace)
        await trx
          .deleteFrom(t)
          .where(kind.owner as any, '=', id)
          .execute();
      const entries = Object.entries(dict);
      if (entries.length > 0)
        await trx
          .insertInto(t)
          .values(entries.map(([key, value]) => ({ [kind.owner]: id, key, value })) as any)
          .onConflict((oc) =>
            oc.columns([kind.owner, 'key'] as any).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
          )
          .execute();
    };
    const ctx = (req: FastifyRequest, rule: 'reader' | 'member', action: string) => {
      const caller = callerOf(req);
      authorize(caller, rule, `${kind.policy}:${action}`);
      return { caller, id: (req.params as { id: string }).id };
    };

    app.get(kind.path, async (req) => {
      const { caller, id } = ctx(req, 'reader', 'get_volume_metadata');
      return db.transaction().execute(async (trx) => {
        await kind.check(trx, caller, id, false);
        return { metadata: await read(trx, id) };
      });
    });

    for (const method of ['post', 'put'] as const) {
      app[method](kind.path, async (req) => {
        const { caller, id } = ctx(req, 'member', 'update_volume_metadata');
        const body = req.body as Record<string, unknown> | undefined;
        const dict = metadataDict(member(body, 'metadata'), 'metadata');
        return db.transaction().execute(async (trx) => {
          await kind.check(trx, caller, id, true);
          await write(trx, id, dict, method === 'put');
          return { metadata: await read(trx, id) };
        });
      });
    }

    app.get(`${kind.path}/:key`, async (req) => {
      const { caller, id } = ctx(req, 'reader', 'get_volume_metadata');
      const key = (req.params as { key: string }).key;
      return db.transaction().execute(async (trx) => {
        await kind.check(trx, caller, id, false);
        const all = await read(trx, id);
        if (!(key in all)) throw itemMissing();
        return { meta: { [key]: all[key] } };
      });
    });

    app.put(`${kind.path}/:key`, async (req) => {
      const { caller, id } = ctx(req, 'member', 'update_volume_metadata');
      const key = (req.params as { key: string }).key;
      const meta = metadataDict(member(req.body, 'meta'), 'meta');
      if (!(key in meta)) throw new BadRequest('Request body and URI mismatch');
      if (Object.keys(meta).length > 1) throw new BadRequest('Request body contains too many items');
      return db.transaction().execute(async (trx) => {
        await kind.check(trx, caller, id, true);
        await write(trx, id, meta, false);
        return { meta };
      });
    });

    app.delete(`${kind.path}/:key`, async (req) => {
      const { caller, id } = ctx(req, 'member', 'delete_volume_metadata');
      const key = (req.params as { key: string }).key;
      await db.transaction().execute(async (trx) => {
        await kind.check(trx, caller, id, true);
        const res = await trx
          .deleteFrom(t)
          .where(kind.owner as any, '=', id)
          .where('key', '=', key)
          .executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) throw itemMissing();
      });
      return '';
    });
  }
}
