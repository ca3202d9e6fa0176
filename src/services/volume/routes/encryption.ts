import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { authorize, callerOf } from '../policy.js';
import { type VolumeTrx, vdb } from '../store.js';
import { invalidField, member, optString } from '../validate.js';
import { t } from '../views.js';

// Encryption specs of volume types (cinder/api/contrib/volume_type_encryption.py),
// admin only. They are recorded; pocketstack has no key manager, so a volume
// of an encrypted type is refused at creation (volumes.ts) rather than made
// unencrypted under an encrypted type's name.

const LOCATIONS = ['front-end', 'back-end'];

function specsOf(body: Record<string, unknown>, requireProvider: boolean) {
  const provider = optString(body, 'provider');
  if (requireProvider && !provider) throw invalidField('encryption', body, "'provider' is a required property");
  const location = optString(body, 'control_location');
  if (location !== undefined && location !== null && !LOCATIONS.includes(location))
    throw invalidField('control_location', location, `'${location}' is not one of ['front-end', 'back-end']`);
  const raw = body.key_size;
  let keySize: number | null | undefined;
  if (raw !== undefined && raw !== null) {
    keySize = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(keySize) || keySize < 0)
      throw invalidField('key_size', raw, `${JSON.stringify(raw)} is not of type 'integer'`);
  } else if (raw === null) keySize = null;
  return { provider, cipher: optString(body, 'cipher'), key_size: keySize, control_location: location };
}

export async function encryptionRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const typeId = (req: FastifyRequest) => (req.params as { type_id: string }).type_id;
  const admin = (req: FastifyRequest, action: string) =>
    authorize(callerOf(req), 'admin', `volume_extension:volume_type_encryption:${action}`);
  const check = async (trx: VolumeTrx, id: string) => {
    if (!(await trx.selectFrom('volume_types').select('id').where('id', '=', id).executeTakeFirst()))
      throw new NotFound(`Volume type ${id} could not be found.`);
  };
  const inUse = async (trx: VolumeTrx, id: string, verb: string) => {
    if (await trx.selectFrom('volumes').select('id').where('volume_type_id', '=', id).executeTakeFirst())
      throw new BadRequest(`Cannot ${verb} encryption specs. Volume type in use.`);
  };
  const get = (trx: VolumeTrx, id: string) =>
    trx.selectFrom('volume_type_encryption').selectAll().where('volume_type_id', '=', id).executeTakeFirst();
  const view = (e: NonNullable<Awaited<ReturnType<typeof get>>>) => ({
    volume_type_id: e.volume_type_id,
    encryption_id: e.encryption_id,
    provider: e.provider,
    cipher: e.cipher,
    key_size: e.key_size,
    control_location: e.control_location,
    deleted: false,
    created_at: t(e.created_at),
    updated_at: t(e.updated_at),
    deleted_at: null,
  });

  app.get('/types/:type_id/encryption', async (req) => {
    admin(req, 'get');
    return db.transaction().execute(async (trx) => {
      await check(trx, typeId(req));
      const e = await get(trx, typeId(req));
      return e ? view(e) : {};
    });
  });

  app.get('/types/:type_id/encryption/:key', async (req) => {
    admin(req, 'get');
    const key = (req.params as { key: string }).key;
    return db.transaction().execute(async (trx) => {
      await check(trx, typeId(req));
      const e = await get(trx, typeId(req));
      const all: Record<string, unknown> = e ? view(e) : {};
      if (!(key in all)) throw new NotFound(`Volume type encryption for type ${typeId(req)} does not exist.`);
      return { [key]: all[key] };
    });
  });

  app.post('/types/:type_id/encryption', async (req) => {
    admin(req, 'create');
    const specs = specsOf(member(req.body, 'encryption'), true);
    return db.transaction().execute(async (trx) => {
      await inUse(trx, typeId(req), 'create');
      await check(trx, typeId(req));
      if (await get(trx, typeId(req)))
        throw new BadRequest(`Volume type encryption for type ${typeId(req)} already exists.`);
      const row = {
        volume_type_id: typeId(req),
        encryption_id: uuid(),
        provider: specs.provider!,
        cipher: specs.cipher ?? null,
        key_size: specs.key_size ?? null,
        control_location: specs.control_location ?? 'front-end',
        created_at: now(),
        updated_at: null,
      };
      await trx.insertInto('volume_type_encryption').values(row).execute();
      const { created_at: _c, updated_at: _u, ...encryption } = row;
      return { encryption };
    });
  });

  app.put('/types/:type_id/encryption/:id', async (req) => {
    admin(req, 'update');
    const body = member(req.body, 'encryption');
    const specs = specsOf(body, false);
    return db.transaction().execute(async (trx) => {
      await check(trx, typeId(req));
      await inUse(trx, typeId(req), 'update');
      if (!(await get(trx, typeId(req))))
        throw new NotFound(`Volume type encryption for type ${typeId(req)} does not exist.`);
      const set = Object.fromEntries(Object.entries(specs).filter(([, v]) => v !== undefined));
      await trx
        .updateTable('volume_type_encryption')
        .set({ ...set, updated_at: now() })
        .where('volume_type_id', '=', typeId(req))
        .execute();
      return { encryption: body };
    });
  });

  app.delete('/types/:type_id/encryption/:id', async (req, reply) => {
    admin(req, 'delete');
    await db.transaction().execute(async (trx) => {
      await inUse(trx, typeId(req), 'delete');
      const res = await trx
        .deleteFrom('volume_type_encryption')
        .where('volume_type_id', '=', typeId(req))
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0)
        throw new NotFound(`Volume type encryption for type ${typeId(req)} does not exist.`);
    });
    reply.code(202);
    return '';
  });
}
