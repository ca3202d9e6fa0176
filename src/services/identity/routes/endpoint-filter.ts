import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { fromJson, toJson } from '../../../store/json.js';
import { write } from '../cascade.js';
import { endpointsOfGroup } from '../catalog.js';
import { enforce } from '../policy.js';
import { type IdentityTables, idb } from '../store.js';
import { description, name, type Schema } from '../validate.js';
import { listBody, noContent, params, selfLink, v3Url } from './common.js';
import { endpointView, requireEndpoint } from './endpoints.js';
import { projectView, requireProject } from './projects.js';
import { simpleCrud } from './simple-crud.js';

// OS-EP-FILTER: which endpoints a project's catalog shows, endpoint by
// endpoint or through endpoint groups (filters on interface, service, region).
// A project with no association sees the whole catalog (catalog.ts).

type GroupRow = IdentityTables['endpoint_groups'];
const FILTER_KEYS = ['interface', 'service_id', 'region_id'];
const properties = { description, filters: { type: 'object' }, name } satisfies Record<string, Schema>;

function checkFilters(filters: unknown) {
  const keys = Object.keys((filters as object) ?? {});
  if (keys.length === 0 || keys.some((k) => !FILTER_KEYS.includes(k)))
    throw new BadRequest(`Invalid filters: only ${FILTER_KEYS.join(', ')} are allowed and at least one is needed.`);
}

function groupView(req: FastifyRequest, g: GroupRow) {
  return {
    id: g.id,
    name: g.name,
    description: g.description ?? '',
    filters: fromJson<Record<string, string>>(g.filters, {}),
    links: selfLink(req, `/OS-EP-FILTER/endpoint_groups/${g.id}`),
  };
}

export async function endpointFilterRoutes(app: FastifyInstance, cloud: Cloud) {
  const P = '/v3/OS-EP-FILTER';
  simpleCrud(app, cloud, {
    path: `${P}/endpoint_groups`,
    idParam: 'endpoint_group_id',
    member: 'endpoint_group',
    collection: 'endpoint_groups',
    table: 'endpoint_groups',
    actions: {
      get: 'identity:get_endpoint_group',
      list: 'identity:list_endpoint_groups',
      create: 'identity:create_endpoint_group',
      update: 'identity:update_endpoint_group',
      delete: 'identity:delete_endpoint_group',
    },
    createSchema: { type: 'object', properties, required: ['name', 'filters'] },
    updateSchema: { type: 'object', properties, minProperties: 1 },
    notFound: (id) => `Could not find Endpoint Group: ${id}.`,
    filters: ['name'],
    toRow: (body, existing) => {
      if (body.filters !== undefined) checkFilters(body.filters);
      return {
        name: body.name ?? existing?.name,
        description: body.description !== undefined ? body.description : (existing?.description ?? ''),
        filters: body.filters !== undefined ? toJson(body.filters) : existing?.filters,
      };
    },
    view: (req, g) => groupView(req, g as unknown as GroupRow),
    onDelete: (trx, g) => trx.deleteFrom('project_endpoint_groups').where('endpoint_group_id', '=', g.id).execute(),
  });

  const requireGroup = async (id: string) => {
    const g = await idb(cloud).selectFrom('endpoint_groups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!g) throw new NotFound(`Could not find Endpoint Group: ${id}.`);
    return g;
  };

  app.get(`${P}/endpoint_groups/:endpoint_group_id/endpoints`, async (req) => {
    enforce(req, 'identity:list_endpoints_associated_with_endpoint_group');
    const g = await requireGroup(params(req).endpoint_group_id);
    return listBody(
      req,
      'endpoints',
      (await endpointsOfGroup(cloud, g)).map((e) => endpointView(req, e)),
    );
  });

  app.get(`${P}/endpoint_groups/:endpoint_group_id/projects`, async (req) => {
    enforce(req, 'identity:list_projects_associated_with_endpoint_group');
    const g = await requireGroup(params(req).endpoint_group_id);
    const projects = await idb(cloud)
      .selectFrom('projects')
      .innerJoin('project_endpoint_groups', 'project_endpoint_groups.project_id', 'projects.id')
      .selectAll('projects')
      .where('project_endpoint_groups.endpoint_group_id', '=', g.id)
      .execute();
    return listBody(
      req,
      'projects',
      projects.map((p) => projectView(req, p)),
    );
  });

  const groupProject = `${P}/endpoint_groups/:endpoint_group_id/projects/:project_id`;
  const pair = async (req: FastifyRequest, action: string) => {
    enforce(req, action);
    const { endpoint_group_id, project_id } = params(req);
    return { g: await requireGroup(endpoint_group_id), p: await requireProject(cloud, project_id) };
  };
  const findPair = (groupId: string, projectId: string) =>
    idb(cloud)
      .selectFrom('project_endpoint_groups')
      .selectAll()
      .where('endpoint_group_id', '=', groupId)
      .where('project_id', '=', projectId)
      .executeTakeFirst();

  app.put(groupProject, async (req, reply) => {
    const { g, p } = await pair(req, 'identity:add_endpoint_group_to_project');
    await write(
      cloud,
      (trx) =>
        trx
          .insertInto('project_endpoint_groups')
          .values({ endpoint_group_id: g.id, project_id: p.id })
          .onConflict((oc) => oc.doNothing())
          .execute(),
      { catalog: true },
    );
    return noContent(reply);
  });
  app.get(groupProject, async (req) => {
    const { g, p } = await pair(req, 'identity:get_endpoint_group_in_project');
    if (!(await findPair(g.id, p.id)))
      throw new NotFound(`Endpoint Group Project Association not found: ${g.id} ${p.id}`);
    return {
      project_endpoint_group: { endpoint_group_id: g.id, project_id: p.id },
      links: { self: v3Url(req, `/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${p.id}`) },
    };
  });
  app.delete(groupProject, async (req, reply) => {
    const { g, p } = await pair(req, 'identity:remove_endpoint_group_from_project');
    if (!(await findPair(g.id, p.id)))
      throw new NotFound(`Endpoint Group Project Association not found: ${g.id} ${p.id}`);
    await write(
      cloud,
      (trx) =>
        trx
          .deleteFrom('project_endpoint_groups')
          .where('endpoint_group_id', '=', g.id)
          .where('project_id', '=', p.id)
          .execute(),
      { catalog: true },
    );
    return noContent(reply);
  });

  app.get(`${P}/projects/:project_id/endpoint_groups`, async (req) => {
    enforce(req, 'identity:list_endpoint_groups_for_project');
    const p = await requireProject(cloud, params(req).project_id);
    const groups = await idb(cloud)
      .selectFrom('endpoint_groups')
      .innerJoin('project_endpoint_groups', 'project_endpoint_groups.endpoint_group_id', 'endpoint_groups.id')
      .selectAll('endpoint_groups')
      .where('project_endpoint_groups.project_id', '=', p.id)
      .execute();
    return listBody(
      req,
      'endpoint_groups',
      groups.map((g) => groupView(req, g)),
    );
  });

  // Single endpoints on a project.
  const projectEndpoint = `${P}/projects/:project_id/endpoints/:endpoint_id`;
  const both = async (req: FastifyRequest, action: string) => {
    enforce(req, action);
    const { project_id, endpoint_id } = params(req);
    return { p: await requireProject(cloud, project_id), e: await requireEndpoint(cloud, endpoint_id) };
  };
  const findLink = (projectId: string, endpointId: string) =>
    idb(cloud)
      .selectFrom('project_endpoints')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirst();
  const noLink = (p: string, e: string) => new NotFound(`Endpoint ${e} not found in project ${p}`);

  app.put(projectEndpoint, async (req, reply) => {
    const { p, e } = await both(req, 'identity:add_endpoint_to_project');
    await write(
      cloud,
      (trx) =>
        trx
          .insertInto('project_endpoints')
          .values({ project_id: p.id, endpoint_id: e.id })
          .onConflict((oc) => oc.doNothing())
          .execute(),
      { catalog: true },
    );
    return noContent(reply);
  });
  app.get(projectEndpoint, async (req, reply) => {
    const { p, e } = await both(req, 'identity:check_endpoint_in_project');
    if (!(await findLink(p.id, e.id))) throw noLink(p.id, e.id);
    return noContent(reply);
  });
  app.delete(projectEndpoint, async (req, reply) => {
    const { p, e } = await both(req, 'identity:remove_endpoint_from_project');
    if (!(await findLink(p.id, e.id))) throw noLink(p.id, e.id);
    await write(
      cloud,
      (trx) =>
        trx.deleteFrom('project_endpoints').where('project_id', '=', p.id).where('endpoint_id', '=', e.id).execute(),
      { catalog: true },
    );
    return noContent(reply);
  });

  app.get(`${P}/projects/:project_id/endpoints`, async (req) => {
    enforce(req, 'identity:list_endpoints_for_project');
    const p = await requireProject(cloud, params(req).project_id);
    const rows = await idb(cloud)
      .selectFrom('endpoints')
      .innerJoin('project_endpoints', 'project_endpoints.endpoint_id', 'endpoints.id')
      .selectAll('endpoints')
      .where('project_endpoints.project_id', '=', p.id)
      .execute();
    return listBody(
      req,
      'endpoints',
      rows.map((e) => endpointView(req, e)),
    );
  });

  app.get(`${P}/endpoints/:endpoint_id/projects`, async (req) => {
    enforce(req, 'identity:list_projects_for_endpoint');
    const e = await requireEndpoint(cloud, params(req).endpoint_id);
    const rows = await idb(cloud)
      .selectFrom('projects')
      .innerJoin('project_endpoints', 'project_endpoints.project_id', 'projects.id')
      .selectAll('projects')
      .where('project_endpoints.endpoint_id', '=', e.id)
      .execute();
    return listBody(
      req,
      'projects',
      rows.map((x) => projectView(req, x)),
    );
  });
}
