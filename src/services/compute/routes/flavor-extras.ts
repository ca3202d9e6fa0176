import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { fromJson } from '../../../store/json.js';
import { getProject } from '../../identity/store.js';
import { type NovaHandler, type NovaRequest, requireComputeAdmin } from '../api.js';
import { validateExtraSpec } from '../extra-specs.js';
import { getFlavor } from '../flavors.js';
import { cdb } from '../store.js';
import { type Schema, strictObject, validateBody, wrapped } from '../validation.js';
import { changeExtraSpecs } from './flavors.js';

const SPEC_KEY = '^[a-zA-Z0-9-_:. ]{1,255}$';
const specs: Schema = {
  type: 'object',
  patternProperties: { [SPEC_KEY]: { type: ['string', 'number'], maxLength: 255 } },
  additionalProperties: false,
};
const createSchema = wrapped('extra_specs', specs);
const updateSchema: Schema = { ...specs, minProperties: 1, maxProperties: 1 };
const tenantAction = (name: string) =>
  wrapped(name, strictObject({ tenant: { type: 'string', minLength: 1, maxLength: 255 } }, ['tenant']));

/** The values as stored (strings); from 2.86 each known spec is validated as Nova does. */
function stringify(req: NovaRequest, values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    const s = String(v);
    if (s.length > 255)
      throw new BadRequest('Invalid input received: extra_specs value has a maximum length of 255 characters.');
    if (req.microversion.atLeast('2.86')) validateExtraSpec(k, s);
    out[k] = s;
  }
  return out;
}

/** /flavors/{id}/os-extra_specs and /flavors/{id}/os-flavor-access plus the access actions. */
async function accessList(cloud: Cloud, flavorid: string) {
  const rows = await cdb(cloud)
    .selectFrom('nova_flavor_projects')
    .select('project_id')
    .where('flavorid', '=', flavorid)
    .orderBy('project_id')
    .execute();
  return { flavor_access: rows.map((r) => ({ flavor_id: flavorid, tenant_id: r.project_id })) };
}

/** GET /flavors/{id}/os-extra_specs */
export const showExtraSpecs: NovaHandler = async (cloud, req) => {
  const { id } = req.params as { id: string };
  const f = await getFlavor(cloud, req.auth, id);
  return { extra_specs: fromJson(f.extra_specs, {}) };
};

/** POST /flavors/{id}/os-extra_specs */
export const createExtraSpecs: NovaHandler = async (cloud, req) => {
  requireComputeAdmin(req, 'os_compute_api:os-flavor-extra-specs:create');
  const { id } = req.params as { id: string };
  const body = validateBody(createSchema, req.body);
  const added = stringify(req, body.extra_specs);
  await changeExtraSpecs(cloud, id, (s) => Object.assign(s, added));
  return { extra_specs: body.extra_specs };
};

/** DELETE /flavors/{id}/os-extra_specs/{key} */
export const deleteExtraSpec: NovaHandler = async (cloud, req, reply) => {
  requireComputeAdmin(req, 'os_compute_api:os-flavor-extra-specs:delete');
  const { id, key } = req.params as { id: string; key: string };
  await changeExtraSpecs(cloud, id, (s) => {
    if (!(key in s)) throw new NotFound(`Flavor ${id} has no extra specs with key ${key}.`);
    delete s[key];
  });
  return reply.code(200).send();
};

/** POST /flavors/{id}/action: addTenantAccess, removeTenantAccess */
export const flavorAction: NovaHandler = async (cloud, req) => {
  const db = cdb(cloud);
  const { id } = req.params as { id: string };
  const body = req.body as Record<string, unknown> | undefined;
  if (body && 'addTenantAccess' in body) {
    requireComputeAdmin(req, 'os_compute_api:os-flavor-access:add_tenant_access');
    const { tenant } = validateBody(tenantAction('addTenantAccess'), body).addTenantAccess;
    if (!(await getProject(cloud, tenant))) throw new BadRequest(`Project ID ${tenant} is not a valid project.`);
    const f = await getFlavor(cloud, req.auth, id);
    if (f.is_public && req.microversion.atLeast('2.7')) throw new Conflict('Can not add access to a public flavor.');
    const res = await db
      .insertInto('nova_flavor_projects')
      .values({ flavorid: id, project_id: tenant })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0)
      throw new Conflict(`Flavor access already exists for flavor ${id} and project ${tenant} combination.`);
    return accessList(cloud, id);
  }
  if (body && 'removeTenantAccess' in body) {
    requireComputeAdmin(req, 'os_compute_api:os-flavor-access:remove_tenant_access');
    const { tenant } = validateBody(tenantAction('removeTenantAccess'), body).removeTenantAccess;
    await getFlavor(cloud, req.auth, id);
    const res = await db
      .deleteFrom('nova_flavor_projects')
      .where('flavorid', '=', id)
      .where('project_id', '=', tenant)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0)
      throw new NotFound(`Flavor access not found for ${id} / ${tenant} combination.`);
    return accessList(cloud, id);
  }
  throw new BadRequest('There is no such action: ' + Object.keys(body ?? {}).join(', '));
};

export async function flavorExtraRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/flavors/:id/os-extra_specs', (req, reply) => showExtraSpecs(cloud, req, reply));

  app.get('/flavors/:id/os-extra_specs/:key', async (req) => {
    const { id, key } = req.params as { id: string; key: string };
    const f = await getFlavor(cloud, req.auth, id);
    const all = fromJson<Record<string, string>>(f.extra_specs, {});
    if (!(key in all)) throw new NotFound(`Flavor ${id} has no extra specs with key ${key}.`);
    return { [key]: all[key] };
  });

  app.post('/flavors/:id/os-extra_specs', (req, reply) => createExtraSpecs(cloud, req, reply));

  app.put('/flavors/:id/os-extra_specs/:key', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-flavor-extra-specs:update');
    const { id, key } = req.params as { id: string; key: string };
    const body = validateBody<Record<string, unknown>>(updateSchema, req.body);
    if (!(key in body)) throw new BadRequest('Request body and URI mismatch');
    const changed = stringify(req, body);
    await changeExtraSpecs(cloud, id, (s) => Object.assign(s, changed));
    return body;
  });

  app.delete('/flavors/:id/os-extra_specs/:key', (req, reply) => deleteExtraSpec(cloud, req, reply));

  app.get('/flavors/:id/os-flavor-access', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-flavor-access');
    const { id } = req.params as { id: string };
    const f = await getFlavor(cloud, req.auth, id);
    if (f.is_public) throw new NotFound('Access list not available for public flavors.');
    return accessList(cloud, id);
  });

  app.post('/flavors/:id/action', (req, reply) => flavorAction(cloud, req, reply));
}
