import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { invalidSnapshot, invalidVolume } from '../errors.js';
import { allTenants, readFilters } from '../filters.js';
import { page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { checkQuota } from '../quotas.js';
import { type TransferRow, type VolumeTrx, vdb } from '../store.js';
import { typeNames } from '../types.js';
import { invalidField, member, optBool, optString, optUuid } from '../validate.js';
import { links, t } from '../views.js';
import { visibleVolume } from '../volumes.js';

// Volume transfers (cinder/transfer/api.py): the owner offers a volume
// (awaiting-transfer) and gets a one-time auth key; whoever presents the
// transfer id and key takes the volume (and its snapshots) into their
// project, within their quota. Served at /os-volume-transfer and, from
// 3.55, /volume-transfers.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomString = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
const cryptHash = (salt: string, key: string) => createHmac('sha1', salt).update(key).digest('hex');
const transferNotFound = (id: string) => new NotFound(`Transfer ${id} could not be found.`);

function detail(req: FastifyRequest, caller: Caller, path: string, tr: TransferRow) {
  const out: Record<string, unknown> = {
    id: tr.id,
    created_at: t(tr.created_at),
    name: tr.name,
    volume_id: tr.volume_id,
    links: links(req, caller, path, tr.id),
  };
  if (req.microversion.atLeast('3.55')) out.no_snapshots = !!tr.no_snapshots;
  if (req.microversion.atLeast('3.57'))
    Object.assign(out, {
      destination_project_id: tr.destination_project_id,
      source_project_id: tr.source_project_id,
      accepted: !!tr.accepted,
    });
  return out;
}

async function visibleTransfer(trx: VolumeTrx, caller: Caller, id: string): Promise<TransferRow> {
  const tr = await trx.selectFrom('volume_transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!tr || (!caller.admin && tr.source_project_id !== caller.projectId)) throw transferNotFound(id);
  return tr;
}

export async function transferRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  for (const path of ['os-volume-transfer', 'volume-transfers']) {
    const ctx = (req: FastifyRequest, action: string) => {
      const caller = callerOf(req);
      if (path === 'volume-transfers' && !req.microversion.atLeast('3.55'))
        throw new NotFound('The resource could not be found.');
      authorize(caller, action === 'get' || action === 'get_all' ? 'reader' : 'member', `volume:${action}_transfer`);
      return caller;
    };
    const id = (req: FastifyRequest) => (req.params as { id: string }).id;

    const list = (full: boolean) => async (req: FastifyRequest) => {
      const caller = ctx(req, 'get_all');
      const q = req.query as Query;
      const pq = pageQuery(q, { id: 'id', name: 'name', created_at: 'created_at', volume_id: 'volume_id' });
      const filters = readFilters(q, caller, { allowed: ['name', 'volume_id'] }, false);
      let query = db.selectFrom('volume_transfers').selectAll();
      if (!allTenants(caller, filters)) query = query.where('source_project_id', '=', caller.projectId);
      if (filters.has('name')) query = query.where('name', '=', filters.get('name')!);
      if (filters.has('volume_id')) query = query.where('volume_id', '=', filters.get('volume_id')!);
      const rows = page(await sorted(query, pq).execute(), pq, transferNotFound);
      return {
        transfers: rows.map((tr) => {
          const d = detail(req, caller, path, tr);
          return full ? d : { id: d.id, volume_id: d.volume_id, name: d.name, links: d.links };
        }),
      };
    };
    app.get(`/${path}`, list(false));
    app.get(`/${path}/detail`, list(true));

    app.get(`/${path}/:id`, async (req) => {
      const caller = ctx(req, 'get');
      const tr = await db.transaction().execute((trx) => visibleTransfer(trx, caller, id(req)));
      return { transfer: detail(req, caller, path, tr) };
    });

    app.post(`/${path}`, async (req, reply) => {
      const caller = ctx(req, 'create');
      const body = member(req.body, 'transfer');
      const volumeId = optUuid(body, 'volume_id');
      if (!volumeId) throw invalidField('transfer', body, "'volume_id' is a required property");
      const noSnapshots = req.microversion.atLeast('3.55') ? (optBool(body, 'no_snapshots') ?? false) : false;
      const key = randomString(16);
      const tr = await db.transaction().execute(async (trx) => {
        const v = await visibleVolume(trx, caller, volumeId);
        if (v.status !== 'available') throw invalidVolume('status must be available');
        if (!noSnapshots) {
          const snaps = await trx
            .selectFrom('volume_snapshots')
            .select(['id', 'status'])
            .where('volume_id', '=', v.id)
            .execute();
          const busy = snaps.find((s) => s.status !== 'available');
          if (busy) throw invalidSnapshot(`snapshot: ${busy.id} status must be available`);
        }
        const salt = randomString(8);
        const row: TransferRow = {
          id: uuid(),
          volume_id: v.id,
          name: optString(body, 'name', 255, true) ?? null,
          salt,
          crypt_hash: cryptHash(salt, key),
          source_project_id: v.project_id,
          destination_project_id: null,
          accepted: 0,
          no_snapshots: noSnapshots ? 1 : 0,
          created_at: now(),
        };
        await trx.insertInto('volume_transfers').values(row).execute();
        await trx
          .updateTable('volumes')
          .set({ status: 'awaiting-transfer', updated_at: now() })
          .where('id', '=', v.id)
          .execute();
        return row;
      });
      reply.code(202);
      return { transfer: { ...detail(req, caller, path, tr), auth_key: key } };
    });

    app.post(`/${path}/:id/accept`, async (req, reply) => {
      const caller = ctx(req, 'accept');
      const key = optString(member(req.body, 'accept'), 'auth_key');
      if (!key)
        throw invalidField('accept', (req.body as Record<string, unknown>).accept, "'auth_key' is a required property");
      const tr = await db.transaction().execute(async (trx) => {
        const tr = await trx.selectFrom('volume_transfers').selectAll().where('id', '=', id(req)).executeTakeFirst();
        if (!tr) throw transferNotFound(id(req));
        const given = Buffer.from(cryptHash(tr.salt, key));
        if (given.length !== tr.crypt_hash.length || !timingSafeEqual(given, Buffer.from(tr.crypt_hash)))
          throw new BadRequest(`Invalid auth key: Attempt to transfer ${tr.id} with invalid auth key.`);
        const v = await trx.selectFrom('volumes').selectAll().where('id', '=', tr.volume_id).executeTakeFirstOrThrow();
        const typeName = (await typeNames(trx, [v.volume_type_id])).get(v.volume_type_id);
        await checkQuota(trx, caller.projectId, { resource: 'volumes', typeName, count: 1, gigabytes: v.size });
        const set = { project_id: caller.projectId, user_id: caller.userId, updated_at: now() };
        await trx
          .updateTable('volumes')
          .set({ ...set, status: 'available' })
          .where('id', '=', v.id)
          .execute();
        if (!tr.no_snapshots)
          await trx.updateTable('volume_snapshots').set(set).where('volume_id', '=', v.id).execute();
        await trx.deleteFrom('volume_transfers').where('id', '=', tr.id).execute();
        return { ...tr, destination_project_id: caller.projectId, accepted: 1 };
      });
      reply.code(202);
      return {
        transfer: { id: tr.id, name: tr.name, volume_id: tr.volume_id, links: links(req, caller, path, tr.id) },
      };
    });

    app.delete(`/${path}/:id`, async (req, reply) => {
      const caller = ctx(req, 'delete');
      await db.transaction().execute(async (trx) => {
        const tr = await visibleTransfer(trx, caller, id(req));
        await trx.deleteFrom('volume_transfers').where('id', '=', tr.id).execute();
        await trx
          .updateTable('volumes')
          .set({ status: 'available', updated_at: now() })
          .where('id', '=', tr.volume_id)
          .where('status', '=', 'awaiting-transfer')
          .execute();
      });
      reply.code(202);
      return '';
    });
  }
}
