import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { Forbidden, NotFound } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';
import { fromJson } from '../../../store/json.js';
import { effectiveRoleIds, getProject, idb, type ProjectRow } from '../store.js';

export function projectView(req: FastifyRequest, p: ProjectRow) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    description: p.description ?? '',
    enabled: p.enabled === 1,
    parent_id: p.parent_id,
    is_domain: false,
    tags: fromJson<string[]>(p.tags, []),
    options: fromJson<Record<string, unknown>>(p.options, {}),
    ...fromJson<Record<string, unknown>>(p.extra, {}),
    links: { self: `${requestBaseUrl(req)}/identity/v3/projects/${p.id}` },
  };
}

/** /v3/projects */
export async function projectRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/projects', async (req) => {
    if (!req.auth.isAdmin)
      throw new Forbidden('You are not authorized to perform the requested action: identity:list_projects.');
    const q = req.query as Record<string, string | undefined>;
    let query = idb(cloud).selectFrom('projects').selectAll().orderBy('name');
    if (q.name !== undefined) query = query.where('name', '=', q.name);
    if (q.domain_id !== undefined) query = query.where('domain_id', '=', q.domain_id);
    if (q.parent_id !== undefined) query = query.where('parent_id', '=', q.parent_id);
    if (q.enabled !== undefined) query = query.where('enabled', '=', q.enabled.toLowerCase() === 'false' ? 0 : 1);
    const rows = await query.execute();
    return {
      projects: rows.map((p) => projectView(req, p)),
      links: { self: `${requestBaseUrl(req)}/identity/v3/projects`, previous: null, next: null },
    };
  });

  app.get('/v3/projects/:id', async (req) => {
    const { id } = req.params as { id: string };
    const project = await getProject(cloud, id);
    const mine = project && (await effectiveRoleIds(cloud, req.auth.userId, { projectId: project.id })).length > 0;
    if (!req.auth.isAdmin && !mine)
      throw new Forbidden('You are not authorized to perform the requested action: identity:get_project.');
    if (!project) throw new NotFound(`Could not find project: ${id}.`);
    return { project: projectView(req, project) };
  });
}
