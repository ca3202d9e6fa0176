import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { jsonTooDeep } from '../../../server/depth.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { isSealed, seal, unseal } from '../../../server/sealed.js';
import { write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { allowed, enforce } from '../policy.js';
import { getProject, type IdentityTables, idb } from '../store.js';
import { type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, selfLink } from './common.js';
import { userFor } from './users.js';

// /v3/credentials (blobs a user keeps in Keystone) and their EC2 form under
// /v3/users/{id}/credentials/OS-EC2. An EC2 credential is a credential of
// type "ec2" whose id is the sha256 of its access key, as in Keystone.

type CredentialRow = IdentityTables['credentials'];

const properties = {
  blob: { type: 'string' },
  project_id: { type: 'string' },
  type: { type: 'string' },
  user_id: { type: 'string' },
} satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties, required: ['blob', 'type', 'user_id'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['blob', 'project_id', 'type', 'user_id'] as const;

function credentialView(req: FastifyRequest, c: CredentialRow) {
  return {
    ...extraOf(c.extra),
    id: c.id,
    user_id: c.user_id,
    project_id: c.project_id,
    type: c.type,
    blob: c.blob,
    links: selfLink(req, `/credentials/${c.id}`),
  };
}

// Blobs are stored sealed (src/server/sealed.ts), as Keystone encrypts them:
// rows are opened as they are read and sealed as they are written.
const opened = (cloud: Cloud, c: CredentialRow): CredentialRow => ({ ...c, blob: unseal(cloud, c.blob) });
const sealed = (cloud: Cloud, c: CredentialRow): CredentialRow => ({ ...c, blob: seal(cloud, c.blob) });

async function getCredential(cloud: Cloud, id: string) {
  const c = await idb(cloud).selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
  return c && opened(cloud, c);
}

/** Seals the blobs an older version stored in the clear (at every start; cheap when none is left). */
export async function sealStoredCredentials(cloud: Cloud): Promise<void> {
  const rows = await idb(cloud).selectFrom('credentials').select(['id', 'blob']).execute();
  for (const r of rows.filter((r) => !isSealed(r.blob)))
    await write(cloud, (trx) =>
      trx
        .updateTable('credentials')
        .set({ blob: seal(cloud, r.blob) })
        .where('id', '=', r.id)
        .execute(),
    );
}

/** The blob of an EC2 credential must be a JSON object with an access key. */
function ec2Blob(blob: string): Record<string, unknown> {
  let parsed: unknown;
  if (jsonTooDeep(blob)) throw new BadRequest('Invalid blob in credential');
  try {
    parsed = JSON.parse(blob);
  } catch {
    throw new BadRequest('Invalid blob in credential');
  }
  const expecting = (what: string) =>
    new BadRequest(
      `Expecting to find ${what} in credential. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
    );
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0)
    throw expecting('blob');
  if ((parsed as Record<string, unknown>).access == null) throw expecting('access');
  return parsed as Record<string, unknown>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function insert(cloud: Cloud, row: CredentialRow) {
  if (await getCredential(cloud, row.id))
    throw new Conflict(`Conflict occurred attempting to store credential - Duplicate ID, ${row.id}.`);
  await write(cloud, (trx) => trx.insertInto('credentials').values(sealed(cloud, row)).execute());
}

function ec2View(req: FastifyRequest, c: CredentialRow) {
  const blob = JSON.parse(c.blob) as Record<string, unknown>;
  return {
    user_id: c.user_id,
    tenant_id: c.project_id,
    access: blob.access,
    secret: blob.secret,
    trust_id: blob.trust_id ?? null,
    links: selfLink(req, `/users/${c.user_id}/credentials/OS-EC2/${blob.access}`),
  };
}

export async function credentialRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/credentials', async (req) => {
    enforce(
      req,
      'identity:list_credentials',
      req.auth.system ? {} : { target: { credential: { user_id: req.auth.userId } } },
    );
    const q = query(req);
    let sql = idb(cloud).selectFrom('credentials').selectAll();
    if (q.user_id !== undefined) sql = sql.where('user_id', '=', q.user_id);
    if (q.type !== undefined) sql = sql.where('type', '=', q.type);
    // Keystone lists only the credentials the caller may get.
    const rows = (await sql.execute())
      .map((c) => opened(cloud, c))
      .filter((c) => allowed(req.auth, 'identity:get_credential', { target: { credential: c } }));
    return listBody(
      req,
      'credentials',
      rows.map((c) => credentialView(req, c)),
    );
  });

  app.get('/v3/credentials/:credential_id', async (req) => {
    const { credential_id } = params(req);
    const c = await getCredential(cloud, credential_id);
    enforce(req, 'identity:get_credential', { target: { credential: c ?? {} } });
    if (!c) throw new NotFound(`Could not find credential: ${credential_id}.`);
    return { credential: credentialView(req, c) };
  });

  app.post('/v3/credentials', async (req, reply) => {
    const input = member(req, 'credential');
    enforce(req, 'identity:create_credential', { target: { credential: input } });
    const body = validate(input, createSchema);
    const isEc2 = String(body.type).toLowerCase() === 'ec2';
    if (isEc2 && body.project_id === undefined) throw new BadRequest("'project_id' is a required property");
    let blob = String(body.blob);
    let id = hexId();
    if (isEc2) {
      const parsed = ec2Blob(blob);
      id = sha256(String(parsed.access));
      if (req.auth.applicationCredentialId)
        blob = JSON.stringify({ ...parsed, app_cred_id: req.auth.applicationCredentialId });
    }
    const row: CredentialRow = {
      id,
      user_id: String(body.user_id),
      project_id: (body.project_id as string | undefined) ?? null,
      type: String(body.type),
      blob,
      extra: splitExtra(body, KNOWN).extra,
    };
    await insert(cloud, row);
    return created(reply, { credential: credentialView(req, row) });
  });

  app.patch('/v3/credentials/:credential_id', async (req) => {
    const { credential_id } = params(req);
    const c = await getCredential(cloud, credential_id);
    enforce(req, 'identity:update_credential', { target: { credential: c ?? {} } });
    if (!c) throw new NotFound(`Could not find credential: ${credential_id}.`);
    const body = validate(member(req, 'credential'), updateSchema);
    if (body.id !== undefined && body.id !== c.id) throw new BadRequest('Cannot change ID');
    if (c.type.toLowerCase() === 'ec2' && body.blob !== undefined) {
      const before = JSON.parse(c.blob) as Record<string, unknown>;
      const after = ec2Blob(String(body.blob));
      for (const key of ['trust_id', 'app_cred_id', 'access_token_id', 'access_id'])
        if ((before[key] ?? null) !== (after[key] ?? null))
          throw new BadRequest(`${key} can not be updated for credential`);
    }
    const row: CredentialRow = {
      ...c,
      user_id: body.user_id !== undefined ? String(body.user_id) : c.user_id,
      project_id: body.project_id !== undefined ? String(body.project_id) : c.project_id,
      type: body.type !== undefined ? String(body.type) : c.type,
      blob: body.blob !== undefined ? String(body.blob) : c.blob,
      extra: splitExtra(body, KNOWN, c.extra).extra,
    };
    // the caller must also own what the credential becomes
    enforce(req, 'identity:update_credential', { target: { credential: row } });
    await write(cloud, (trx) =>
      trx.updateTable('credentials').set(sealed(cloud, row)).where('id', '=', c.id).execute(),
    );
    return { credential: credentialView(req, row) };
  });

  app.delete('/v3/credentials/:credential_id', async (req, reply) => {
    const { credential_id } = params(req);
    const c = await getCredential(cloud, credential_id);
    enforce(req, 'identity:delete_credential', { target: { credential: c ?? {} } });
    if (!c) throw new NotFound(`Could not find credential: ${credential_id}.`);
    await write(cloud, (trx) => trx.deleteFrom('credentials').where('id', '=', c.id).execute());
    return noContent(reply);
  });

  // EC2 credentials of a user
  const ec2For = async (req: FastifyRequest, action: string) => {
    const { user_id, credential_id: access } = params(req);
    const c = await getCredential(cloud, sha256(access));
    const mine = c && c.type === 'ec2' && c.user_id === user_id ? c : undefined;
    // Keystone looks the credential up (404) before enforcing on its owner.
    if (!mine) throw new NotFound(`Could not find credential: ${sha256(access)}.`);
    enforce(req, action, { target: { credential: mine } });
    return mine;
  };

  app.get('/v3/users/:user_id/credentials/OS-EC2', async (req) => {
    enforce(req, 'identity:ec2_list_credentials');
    const rows = await idb(cloud)
      .selectFrom('credentials')
      .selectAll()
      .where('user_id', '=', params(req).user_id)
      .where('type', '=', 'ec2')
      .execute();
    return listBody(
      req,
      'credentials',
      rows.map((c) => ec2View(req, opened(cloud, c))),
    );
  });

  app.post('/v3/users/:user_id/credentials/OS-EC2', async (req, reply) => {
    enforce(req, 'identity:ec2_create_credential');
    const body = validate((req.body ?? {}) as Record<string, unknown>, {
      type: 'object',
      properties: { tenant_id: { type: 'string' } },
      required: ['tenant_id'],
    });
    const u = await userFor(req, cloud, 'identity:ec2_create_credential');
    const projectId = String(body.tenant_id);
    if (!(await getProject(cloud, projectId))) throw new NotFound(`Could not find project: ${projectId}.`);
    const access = hexId();
    const blob = { access, secret: hexId(), trust_id: null as string | null };
    const row: CredentialRow = {
      id: sha256(access),
      user_id: u.id,
      project_id: projectId,
      type: 'ec2',
      blob: JSON.stringify(blob),
      extra: '{}',
    };
    await insert(cloud, row);
    return created(reply, { credential: ec2View(req, row) });
  });

  app.get('/v3/users/:user_id/credentials/OS-EC2/:credential_id', async (req) => ({
    credential: ec2View(req, await ec2For(req, 'identity:ec2_get_credential')),
  }));

  app.delete('/v3/users/:user_id/credentials/OS-EC2/:credential_id', async (req, reply) => {
    const c = await ec2For(req, 'identity:ec2_delete_credential');
    await write(cloud, (trx) => trx.deleteFrom('credentials').where('id', '=', c.id).execute());
    return noContent(reply);
  });
}
