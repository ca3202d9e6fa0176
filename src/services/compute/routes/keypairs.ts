import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { isoMicrosNoZone, now } from '../../../server/time.js';
import { type NovaHandler, type NovaRequest, nextLink, pagination, policyDenied, qparam } from '../api.js';
import { checkKeypairQuota } from '../quotas.js';
import { generateSshKeyPair, generateX509KeyPair, sshFingerprint, x509Fingerprint } from '../ssh-keys.js';
import { cdb, type KeypairRow } from '../store.js';
import { type Schema, types, validateBody } from '../validation.js';

function createSchema(req: NovaRequest): Schema {
  const mv = req.microversion;
  // 2.92 also allows '@' and '.' in names, and a public key is required (Nova no longer generates keys)
  const v292 = mv.atLeast('2.92');
  const chars = v292 ? '^[@._\\- a-zA-Z0-9]+$' : '^[_\\- a-zA-Z0-9]+$';
  const name: Schema = {
    allOf: [types.name, { type: 'string', pattern: chars, minLength: 1, maxLength: 255 }],
  };
  return {
    type: 'object',
    properties: {
      keypair: {
        type: 'object',
        properties: {
          name,
          public_key: { type: 'string' },
          ...(mv.atLeast('2.2') ? { type: { type: 'string', enum: ['ssh', 'x509'] } } : {}),
          ...(mv.atLeast('2.10') ? { user_id: { type: 'string' } } : {}),
        },
        required: v292 ? ['name', 'public_key'] : ['name'],
        additionalProperties: false,
      },
    },
    required: ['keypair'],
    additionalProperties: false,
  };
}

/**
 * Whose key pairs a call is about: the caller's own, or (admins, from 2.10)
 * the user named by user_id.
 */
function targetUser(req: NovaRequest, rule: string, given?: string): string {
  const asked = given ?? (req.microversion.atLeast('2.10') ? qparam(req, 'user_id') : undefined);
  if (asked === undefined || asked === req.auth.userId) return req.auth.userId;
  if (!req.auth.isAdmin) throw policyDenied(`os_compute_api:os-keypairs:${rule}`);
  return asked;
}

function view(req: NovaRequest, k: KeypairRow, level: 'index' | 'create' | 'show') {
  const out: Record<string, unknown> = { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint };
  if (level !== 'index') out.user_id = k.user_id;
  if (level === 'show') {
    Object.assign(out, {
      created_at: isoMicrosNoZone(k.created_at),
      deleted: false,
      deleted_at: null,
      id: k.id,
      updated_at: null,
    });
  }
  if (req.microversion.atLeast('2.2')) out.type = k.type;
  return out;
}

async function findKeypair(cloud: Cloud, userId: string, name: string): Promise<KeypairRow> {
  const k = await cdb(cloud)
    .selectFrom('nova_keypairs')
    .selectAll()
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!k) throw new NotFound(`Keypair ${name} not found for user ${userId}`);
  return k;
}

/** POST /os-keypairs */
export const createKeypair: NovaHandler = async (cloud, req, reply) => {
  const body = validateBody(createSchema(req), req.body).keypair;
  const userId = targetUser(req, 'create', body.user_id);
  const name = String(body.name).trim();
  const type = body.type ?? 'ssh';
  let publicKey: string;
  let fingerprint: string;
  let privateKey: string | undefined;
  if (body.public_key !== undefined) {
    publicKey = body.public_key;
    fingerprint = type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
  } else if (type === 'x509') {
    // Nova's WinRM certificate: CN = the user the key pair belongs to.
    ({ publicKey, privateKey, fingerprint } = generateX509KeyPair(userId));
  } else {
    const generated = generateSshKeyPair(`Generated-by-Nova`);
    ({ publicKey, privateKey, fingerprint } = generated);
  }
  const row = await cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await checkKeypairQuota(trx, req.auth.projectId ?? '', userId);
      const clash = await trx
        .selectFrom('nova_keypairs')
        .select('id')
        .where('user_id', '=', userId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (clash) throw new Conflict(`Key pair '${name}' already exists.`);
      const values = { user_id: userId, name, type, public_key: publicKey, fingerprint, created_at: now() };
      const res = await trx.insertInto('nova_keypairs').values(values).returning('id').executeTakeFirstOrThrow();
      return { ...values, id: Number(res.id) } as KeypairRow;
    });
  const out = view(req, row, 'create');
  if (privateKey) out.private_key = privateKey;
  return reply.code(req.microversion.atLeast('2.2') ? 201 : 200).send({ keypair: out });
};

/** GET /os-keypairs */
export const listKeypairs: NovaHandler = async (cloud, req) => {
  const db = cdb(cloud);
  const userId = targetUser(req, 'index');
  const paged = req.microversion.atLeast('2.35');
  const { limit, marker } = paged ? pagination(req) : { limit: undefined, marker: undefined };
  let q = db.selectFrom('nova_keypairs').selectAll().where('user_id', '=', userId).orderBy('name');
  if (marker !== undefined) {
    const m = await db
      .selectFrom('nova_keypairs')
      .select('name')
      .where('user_id', '=', userId)
      .where('name', '=', marker)
      .executeTakeFirst();
    if (!m) throw new BadRequest(`Marker ${marker} could not be found.`);
    q = q.where('name', '>', marker);
  }
  if (limit !== undefined) q = q.limit(limit);
  const rows = await q.execute();
  const next = paged ? nextLink(req, 'os-keypairs', rows, limit, (k: KeypairRow) => k.name) : undefined;
  return {
    keypairs: rows.map((k) => ({ keypair: view(req, k, 'index') })),
    ...(next ? { keypairs_links: next } : {}),
  };
};

/** GET /os-keypairs/{name} */
export const showKeypair: NovaHandler = async (cloud, req) => {
  const { name } = req.params as { name: string };
  return { keypair: view(req, await findKeypair(cloud, targetUser(req, 'show'), name), 'show') };
};

/** DELETE /os-keypairs/{name} */
export const deleteKeypair: NovaHandler = async (cloud, req, reply) => {
  const { name } = req.params as { name: string };
  const userId = targetUser(req, 'delete');
  const res = await cdb(cloud)
    .deleteFrom('nova_keypairs')
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw new NotFound(`Keypair ${name} not found for user ${userId}`);
  return reply.code(req.microversion.atLeast('2.2') ? 204 : 202).send();
};

/** /os-keypairs */
export async function keypairRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/os-keypairs', (req, reply) => createKeypair(cloud, req, reply));
  app.get('/os-keypairs', (req, reply) => listKeypairs(cloud, req, reply));
  app.get('/os-keypairs/:name', (req, reply) => showKeypair(cloud, req, reply));
  app.delete('/os-keypairs/:name', (req, reply) => deleteKeypair(cloud, req, reply));
}
