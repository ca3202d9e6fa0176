import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { Forbidden, MethodNotAllowed, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { fromJson, toJson } from '../../../store/json.js';
import { effectiveAssignments } from '../assignments.js';
import { write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { enforce } from '../policy.js';
import { getProject, getUser, idb, NULL_DOMAIN, type RoleRow, type TrustRow } from '../store.js';
import { boolean, id, name, nullableId, type Schema, validate } from '../validate.js';
import { assertUnrestricted } from './application-credentials.js';
import { created, listBody, member, noContent, params, query, selfLink, v3Url } from './common.js';
import { expiresAt, isotimeMicros } from './expiry.js';
import { roleView } from './roles.js';

// OS-TRUST: a trustor delegates some of their roles on a project to a
// trustee, who may then get tokens scoped to the trust (authenticate.ts).

const createSchema: Schema = {
  type: 'object',
  properties: {
    trustor_user_id: { type: 'string', minLength: 1, maxLength: 64 },
    trustee_user_id: { type: 'string', minLength: 1, maxLength: 64 },
    impersonation: boolean,
    project_id: nullableId,
    remaining_uses: { type: ['integer', 'null'], minimum: 1 },
    expires_at: { type: ['null', 'string'] },
    allow_redelegation: { type: ['boolean', 'null'] },
    redelegation_count: { type: ['integer', 'null'], minimum: 0 },
    roles: {
      type: 'array',
      items: { type: 'object', properties: { id, name }, minProperties: 1, additionalProperties: false },
    },
  },
  required: ['trustor_user_id', 'trustee_user_id', 'impersonation'],
};
const KNOWN = [
  'trustor_user_id',
  'trustee_user_id',
  'impersonation',
  'project_id',
  'remaining_uses',
  'expires_at',
  'allow_redelegation',
  'redelegation_count',
  'roles',
] as const;

function summary(req: FastifyRequest, t: TrustRow) {
  return {
    ...extraOf(t.extra),
    id: t.id,
    trustor_user_id: t.trustor_user_id,
    trustee_user_id: t.trustee_user_id,
    project_id: t.project_id,
    impersonation: t.impersonation === 1,
    expires_at: t.expires_at ? isotimeMicros(t.expires_at) : null,
    remaining_uses: t.remaining_uses,
    allow_redelegation: t.allow_redelegation === 1,
    ...(t.redelegation_count !== null ? { redelegation_count: t.redelegation_count } : {}),
    redelegated_trust_id: t.redelegated_trust_id,
    links: selfLink(req, `/OS-TRUST/trusts/${t.id}`),
  };
}

async function trustRoles(cloud: Cloud, t: TrustRow): Promise<RoleRow[]> {
  const ids = fromJson<{ id: string }[]>(t.roles, []).map((r) => r.id);
  return ids.length === 0 ? [] : idb(cloud).selectFrom('roles').selectAll().where('id', 'in', ids).execute();
}

async function full(req: FastifyRequest, cloud: Cloud, t: TrustRow) {
  return {
    ...summary(req, t),
    roles: (await trustRoles(cloud, t)).map((r) => roleView(req, r)),
    roles_links: { self: v3Url(req, `/OS-TRUST/trusts/${t.id}/roles`), next: null, previous: null },
  };
}

export function getTrust(cloud: Cloud, trustId: string) {
  return idb(cloud).selectFrom('trusts').selectAll().where('id', '=', trustId).executeTakeFirst();
}

export async function trustRoutes(app: FastifyInstance, cloud: Cloud) {
  const trustFor = async (req: FastifyRequest, action: string) => {
    const { trust_id } = params(req);
    const t = await getTrust(cloud, trust_id);
    if (!t) throw new NotFound(`Could not find trust: ${trust_id}.`);
    enforce(req, action, { target: { trust: t } });
    return t;
  };

  app.get('/v3/OS-TRUST/trusts', async (req) => {
    const q = query(req);
    let sql = idb(cloud).selectFrom('trusts').selectAll().orderBy('created_at');
    if (q.trustor_user_id) {
      enforce(req, 'identity:list_trusts_for_trustor', { target: { trust: { trustor_user_id: q.trustor_user_id } } });
      sql = sql.where('trustor_user_id', '=', q.trustor_user_id);
    } else if (q.trustee_user_id) {
      enforce(req, 'identity:list_trusts_for_trustee', { target: { trust: { trustee_user_id: q.trustee_user_id } } });
      sql = sql.where('trustee_user_id', '=', q.trustee_user_id);
    } else {
      enforce(req, 'identity:list_trusts');
    }
    return listBody(
      req,
      'trusts',
      (await sql.execute()).map((t) => summary(req, t)),
    );
  });

  app.get('/v3/OS-TRUST/trusts/:trust_id', async (req) => ({
    trust: await full(req, cloud, await trustFor(req, 'identity:get_trust')),
  }));

  app.post('/v3/OS-TRUST/trusts', async (req, reply) => {
    enforce(req, 'identity:create_trust', { trust: member(req, 'trust') });
    const body = validate(member(req, 'trust'), createSchema);
    await assertUnrestricted(cloud, req, 'trusts');
    const roles = (body.roles as { id?: string; name?: string }[] | undefined) ?? [];
    if (body.project_id && roles.length === 0)
      throw new Forbidden(
        'You are not authorized to perform the requested action: At least one role should be specified.',
      );
    if (req.auth.userId !== body.trustor_user_id)
      throw new Forbidden(
        'You are not authorized to perform the requested action: The authenticated user should match the trustor.',
      );
    if (!(await getUser(cloud, String(body.trustee_user_id))))
      throw new NotFound(`Could not find user: ${body.trustee_user_id}.`);
    const projectId = (body.project_id as string | null | undefined) || null;
    if (projectId && !(await getProject(cloud, projectId))) throw new NotFound(`Could not find project: ${projectId}.`);
    // The roles delegated must be roles the trustor holds on the project.
    const held = projectId
      ? new Set(
          (await effectiveAssignments(cloud, { userId: req.auth.userId, projectIds: [projectId] }, false)).map(
            (a) => a.roleId,
          ),
        )
      : new Set<string>();
    const resolved: string[] = [];
    for (const r of roles) {
      const row = r.id
        ? await idb(cloud).selectFrom('roles').selectAll().where('id', '=', r.id).executeTakeFirst()
        : await idb(cloud)
            .selectFrom('roles')
            .selectAll()
            .where('name', '=', String(r.name))
            .where('domain_id', '=', NULL_DOMAIN)
            .executeTakeFirst();
      if (!row || !held.has(row.id)) throw new NotFound(`Could not find role: ${r.id ?? r.name}.`);
      resolved.push(row.id);
    }
    const row: TrustRow = {
      id: hexId(),
      trustor_user_id: String(body.trustor_user_id),
      trustee_user_id: String(body.trustee_user_id),
      project_id: projectId,
      impersonation: body.impersonation ? 1 : 0,
      expires_at: expiresAt(body.expires_at),
      remaining_uses: (body.remaining_uses as number | null | undefined) ?? null,
      allow_redelegation: body.allow_redelegation ? 1 : 0,
      redelegation_count: (body.redelegation_count as number | null | undefined) ?? null,
      redelegated_trust_id: req.auth.trustId ?? null,
      roles: toJson(resolved.map((rid) => ({ id: rid }))),
      extra: splitExtra(body, KNOWN).extra,
      created_at: new Date().toISOString(),
    };
    if (req.auth.trustId) {
      const source = await getTrust(cloud, req.auth.trustId);
      if (!source?.allow_redelegation)
        throw new Forbidden('You are not authorized to perform the requested action: Redelegation is not allowed.');
    }
    await write(cloud, (trx) => trx.insertInto('trusts').values(row).execute());
    return created(reply, { trust: await full(req, cloud, row) });
  });

  app.delete('/v3/OS-TRUST/trusts/:trust_id', async (req, reply) => {
    const t = await trustFor(req, 'identity:delete_trust');
    await assertUnrestricted(cloud, req, 'trusts');
    await write(cloud, async (trx) => {
      await trx.deleteFrom('trusts').where('id', '=', t.id).execute();
      await trx.updateTable('tokens').set({ revoked: 1 }).where('trust_id', '=', t.id).execute();
    });
    return noContent(reply);
  });

  app.get('/v3/OS-TRUST/trusts/:trust_id/roles', async (req) => {
    const t = await trustFor(req, 'identity:list_roles_for_trust');
    return {
      roles: (await trustRoles(cloud, t)).map((r) => roleView(req, r)),
      links: { self: v3Url(req, `/OS-TRUST/trusts/${t.id}/roles`), next: null, previous: null },
    };
  });

  app.get('/v3/OS-TRUST/trusts/:trust_id/roles/:role_id', async (req) => {
    const t = await trustFor(req, 'identity:get_role_for_trust');
    const { role_id } = params(req);
    const r = (await trustRoles(cloud, t)).find((x) => x.id === role_id);
    if (!r) throw new NotFound(`Could not find role: ${role_id}.`);
    return { role: roleView(req, r) };
  });

  // Trusts cannot be changed once made.
  app.patch('/v3/OS-TRUST/trusts/:trust_id', async () => {
    throw new MethodNotAllowed();
  });
}
