import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';
import { fromJson, toJson } from '../../../store/json.js';
import { write } from '../cascade.js';
import { enforce } from '../policy.js';
import { getProject, type ProjectRow } from '../store.js';
import { tag, tags, validate } from '../validate.js';
import { noContent, params } from './common.js';
import { requireProject } from './projects.js';

// /v3/projects/{id}/tags: the tags of a project as their own small API.

function tagsBody(req: FastifyRequest, list: string[]) {
  return { tags: list, links: { self: `${requestBaseUrl(req)}${req.url}` } };
}

/** Looks the project up, enforces `action` on it, then insists it exists (Keystone's order). */
async function projectFor(req: FastifyRequest, cloud: Cloud, action: string): Promise<ProjectRow> {
  const { project_id } = params(req);
  const p = await getProject(cloud, project_id);
  enforce(req, action, { target: { project: p ?? {} } });
  return p ?? requireProject(cloud, project_id);
}

async function saveTags(cloud: Cloud, p: ProjectRow, list: string[]) {
  await write(cloud, (trx) =>
    trx
      .updateTable('projects')
      .set({ tags: toJson(list) })
      .where('id', '=', p.id)
      .execute(),
  );
}

export async function projectTagRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/projects/:project_id/tags', async (req) => {
    const p = await projectFor(req, cloud, 'identity:list_project_tags');
    return tagsBody(req, fromJson<string[]>(p.tags, []));
  });

  app.put('/v3/projects/:project_id/tags', async (req) => {
    const p = await projectFor(req, cloud, 'identity:update_project_tags');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const list = validate<string[]>(body.tags ?? {}, tags).map((t) => t.trim());
    await saveTags(cloud, p, list);
    return tagsBody(req, list);
  });

  app.delete('/v3/projects/:project_id/tags', async (req, reply) => {
    const p = await projectFor(req, cloud, 'identity:delete_project_tags');
    await saveTags(cloud, p, []);
    return noContent(reply);
  });

  app.get('/v3/projects/:project_id/tags/:value', async (req, reply) => {
    const p = await projectFor(req, cloud, 'identity:get_project_tag');
    const { value } = params(req);
    if (!fromJson<string[]>(p.tags, []).includes(value)) throw new NotFound(`Could not find project tag: ${value}.`);
    return noContent(reply);
  });

  app.put('/v3/projects/:project_id/tags/:value', async (req, reply) => {
    const p = await projectFor(req, cloud, 'identity:create_project_tag');
    const value = validate<string>(params(req).value, tag);
    const list = fromJson<string[]>(p.tags, []);
    const next = list.includes(value.trim()) ? list : [...list, value.trim()];
    validate([...list, value], tags);
    await saveTags(cloud, p, next);
    // Keystone's Location omits /projects (keystone/api/projects.py builds it from base_url); clients ignore it.
    return reply
      .code(201)
      .header('Location', `${requestBaseUrl(req)}/identity/v3/projects/${p.id}/tags/${encodeURIComponent(value)}`)
      .send();
  });

  app.delete('/v3/projects/:project_id/tags/:value', async (req, reply) => {
    const p = await projectFor(req, cloud, 'identity:delete_project_tag');
    const { value } = params(req);
    const list = fromJson<string[]>(p.tags, []);
    if (!list.includes(value)) throw new NotFound(`Could not find project tag: ${value}.`);
    await saveTags(
      cloud,
      p,
      list.filter((t) => t !== value),
    );
    return noContent(reply);
  });
}
