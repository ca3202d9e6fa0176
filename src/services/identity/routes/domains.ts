import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { deleteDomain, write } from '../cascade.js';
import { enforce } from '../policy.js';
import { type DomainRow, getDomain, idb } from '../store.js';
import { description, type Schema, tags, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, textFilter, truthy } from './common.js';
import { newResourceColumns, resourceView, updatedResourceColumns } from './resource.js';

const domainName: Schema = { type: 'string', minLength: 1, maxLength: 64, pattern: '[\\S]+' };
const properties = { description, enabled: { type: 'boolean', enum: [true, false] }, name: domainName, tags };
const createSchema: Schema = { type: 'object', properties, required: ['name'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['name', 'description', 'enabled', 'tags', 'options'] as const;

export function domainView(req: FastifyRequest, d: DomainRow) {
  return resourceView(req, d, `/domains/${d.id}`);
}

export async function requireDomain(cloud: Cloud, id: string): Promise<DomainRow> {
  const d = await getDomain(cloud, id);
  if (!d) throw new NotFound(`Could not find domain: ${id}.`);
  return d;
}

async function assertNameFree(cloud: Cloud, name: string, except?: string) {
  const other = await idb(cloud).selectFrom('domains').select('id').where('name', '=', name).executeTakeFirst();
  if (other && other.id !== except)
    throw new Conflict(
      `Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: ${name}.`,
    );
}

/** Makes a domain from a validated body (POST /v3/domains, or POST /v3/projects with is_domain). */
export async function createDomain(cloud: Cloud, body: Record<string, unknown>): Promise<DomainRow> {
  const columns = newResourceColumns(body, KNOWN);
  await assertNameFree(cloud, columns.name);
  const id = typeof body.id === 'string' && body.id ? body.id : hexId();
  if (await getDomain(cloud, id))
    throw new Conflict(`Conflict occurred attempting to store domain - Duplicate ID, ${id}.`);
  const row: DomainRow = { id, ...columns, created_at: new Date().toISOString() };
  await write(cloud, (trx) => trx.insertInto('domains').values(row).execute());
  return row;
}

/** Applies a validated update body to a domain (PATCH of /v3/domains or /v3/projects of a domain). */
export async function updateDomain(cloud: Cloud, d: DomainRow, body: Record<string, unknown>): Promise<DomainRow> {
  if (body.id !== undefined && body.id !== d.id) throw new BadRequest('Cannot change Domain ID');
  const row: DomainRow = { ...d, ...updatedResourceColumns(d, body, KNOWN) };
  if (row.name !== d.name) await assertNameFree(cloud, row.name, d.id);
  await write(cloud, (trx) => trx.updateTable('domains').set(row).where('id', '=', d.id).execute());
  return row;
}

/** /v3/domains */
export async function domainRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/domains', async (req) => {
    enforce(req, 'identity:list_domains');
    const q = query(req);
    const byName = textFilter(q, 'name');
    let rows = await idb(cloud).selectFrom('domains').selectAll().orderBy('name').execute();
    if (byName) rows = rows.filter((d) => byName(d.name));
    if (q.enabled !== undefined) rows = rows.filter((d) => (d.enabled === 1) === truthy(q.enabled!));
    return listBody(
      req,
      'domains',
      rows.map((d) => domainView(req, d)),
    );
  });

  app.get('/v3/domains/:domain_id', async (req) => {
    const { domain_id } = params(req);
    const d = await getDomain(cloud, domain_id);
    enforce(req, 'identity:get_domain', { target: { domain: d ? { id: d.id } : {} } });
    if (!d) throw new NotFound(`Could not find domain: ${domain_id}.`);
    return { domain: domainView(req, d) };
  });

  app.post('/v3/domains', async (req, reply) => {
    enforce(req, 'identity:create_domain');
    const body = validate(member(req, 'domain'), createSchema);
    return created(reply, { domain: domainView(req, await createDomain(cloud, body)) });
  });

  app.patch('/v3/domains/:domain_id', async (req) => {
    enforce(req, 'identity:update_domain');
    const { domain_id } = params(req);
    const body = validate(member(req, 'domain'), updateSchema);
    const d = await requireDomain(cloud, domain_id);
    return { domain: domainView(req, await updateDomain(cloud, d, body)) };
  });

  app.delete('/v3/domains/:domain_id', async (req, reply) => {
    enforce(req, 'identity:delete_domain');
    const d = await requireDomain(cloud, params(req).domain_id);
    if (d.enabled) throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.');
    await write(cloud, (trx) => deleteDomain(trx, d.id), { catalog: true });
    return noContent(reply);
  });
}
