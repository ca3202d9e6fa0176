import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { fromJson } from '../../../store/json.js';
import { deleteDomain, deleteProject, deleteProjectTree, write } from '../cascade.js';
import {
  ancestorsIn,
  domainProjects,
  MAX_PROJECT_TREE_DEPTH,
  parentsAsIds,
  subtreeAsIds,
  subtreeIn,
} from '../hierarchy.js';
import { allowed, enforce } from '../policy.js';
import { type DomainRow, getDomain, getProject, idb, type ProjectRow } from '../store.js';
import { boolean, description, nullableId, type Schema, tags, validate } from '../validate.js';
import { created, flag, listBody, member, noContent, params, query, textFilter, truthy } from './common.js';
import { createDomain, updateDomain } from './domains.js';
import { newResourceColumns, resourceView, updatedResourceColumns } from './resource.js';

const projectName: Schema = { type: 'string', minLength: 1, maxLength: 64, pattern: '[\\S]+' };
const properties = {
  description,
  domain_id: nullableId,
  enabled: boolean,
  is_domain: boolean,
  parent_id: nullableId,
  name: projectName,
  tags,
  options: { type: 'object' },
} satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties, required: ['name'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['name', 'description', 'domain_id', 'parent_id', 'enabled', 'is_domain', 'tags', 'options'] as const;

export function projectView(req: FastifyRequest, p: ProjectRow) {
  return resourceView(req, p, `/projects/${p.id}`, {
    domain_id: p.domain_id,
    parent_id: p.parent_id,
    is_domain: false,
  });
}

/** A domain as the projects API shows it: a project acting as a domain. */
function domainAsProject(req: FastifyRequest, d: DomainRow) {
  return resourceView(req, d, `/projects/${d.id}`, { domain_id: null, parent_id: null, is_domain: true });
}

export async function requireProject(cloud: Cloud, id: string): Promise<ProjectRow> {
  const p = await getProject(cloud, id);
  if (!p) throw new NotFound(`Could not find project: ${id}.`);
  return p;
}

function nameConflict(name: string, id: string) {
  return new Conflict(
    `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${name}, project id ${id}.`,
  );
}

async function assertNameFree(cloud: Cloud, domainId: string, name: string, id: string) {
  const other = await idb(cloud)
    .selectFrom('projects')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (other && other.id !== id) throw nameConflict(name, id);
}

/** Where a new project goes when the request names no domain: the token's domain, else Default. */
function defaultDomainId(req: FastifyRequest): string {
  return req.auth.domainId ?? 'default';
}

/** /v3/projects */
export async function projectRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/projects', async (req) => {
    const q = query(req);
    enforce(req, 'identity:list_projects', req.auth.domainId ? { domain_id: req.auth.domainId } : {});
    const byName = textFilter(q, 'name');
    const wantDomains = q.is_domain !== undefined && truthy(q.is_domain);
    let out: ReturnType<typeof projectView>[];
    if (wantDomains) {
      let rows = await idb(cloud).selectFrom('domains').selectAll().orderBy('name').execute();
      if (byName) rows = rows.filter((d) => byName(d.name));
      out = rows.map((d) => domainAsProject(req, d));
    } else {
      let sql = idb(cloud).selectFrom('projects').selectAll().orderBy('name');
      if (q.domain_id !== undefined) sql = sql.where('domain_id', '=', q.domain_id);
      if (q.parent_id !== undefined) sql = sql.where('parent_id', '=', q.parent_id);
      if (req.auth.domainId) sql = sql.where('domain_id', '=', req.auth.domainId);
      let rows = await sql.execute();
      if (byName) rows = rows.filter((p) => byName(p.name));
      rows = rows.filter(tagFilter(q));
      out = rows.map((p) => projectView(req, p));
    }
    if (q.enabled !== undefined) out = out.filter((p) => p.enabled === truthy(q.enabled!));
    return listBody(req, 'projects', out);
  });

  app.get('/v3/projects/:project_id', async (req) => {
    const { project_id } = params(req);
    const p = await getProject(cloud, project_id);
    enforce(req, 'identity:get_project', { target: { project: p ?? {} } });
    if (!p) {
      const d = await getDomain(cloud, project_id);
      if (d) return { project: domainAsProject(req, d) };
      throw new NotFound(`Could not find project: ${project_id}.`);
    }
    const view: Record<string, unknown> = projectView(req, p);
    const q = query(req);
    if (flag(q, 'parents_as_list') && flag(q, 'parents_as_ids'))
      throw new BadRequest('Cannot use parents_as_list and parents_as_ids query params at the same time.');
    if (flag(q, 'subtree_as_list') && flag(q, 'subtree_as_ids'))
      throw new BadRequest('Cannot use subtree_as_list and subtree_as_ids query params at the same time.');
    const all = await domainProjects(cloud, p.domain_id);
    if (flag(q, 'parents_as_ids'))
      view.parents = parentsAsIds(ancestorsIn(all, p), await getDomain(cloud, p.domain_id));
    if (flag(q, 'parents_as_list'))
      view.parents = ancestorsIn(all, p)
        .filter((a) => allowed(req.auth, 'identity:get_project', { target: { project: a } }))
        .map((a) => ({ project: projectView(req, a) }));
    if (flag(q, 'subtree_as_ids')) view.subtree = subtreeAsIds(all, p.id);
    if (flag(q, 'subtree_as_list'))
      view.subtree = subtreeIn(all, p.id)
        .filter((s) => allowed(req.auth, 'identity:get_project', { target: { project: s } }))
        .map((s) => ({ project: projectView(req, s) }));
    return { project: view };
  });

  app.post('/v3/projects', async (req, reply) => {
    const input = member(req, 'project');
    enforce(req, 'identity:create_project', { target: { project: input } });
    const body = validate(input, createSchema);
    if (body.is_domain === true) return created(reply, { project: await createDomainProject(req, cloud, body) });
    const domainId = (body.domain_id as string | null) ?? defaultDomainId(req);
    const domain = await getDomain(cloud, domainId);
    if (!domain) throw new BadRequest(`Could not find domain: ${domainId}.`);
    const parentId = (body.parent_id as string | null) || domainId;
    if (parentId !== domainId) {
      const parent = await getProject(cloud, parentId);
      if (!parent) {
        if (await getDomain(cloud, parentId))
          throw new BadRequest(
            `Cannot create project, the parent (${parentId}) is acting as a domain, but this project's domain id (${domainId}) does not match the parent's id.`,
          );
        throw new BadRequest(`Could not find project: ${parentId}.`);
      }
      if (parent.domain_id !== domainId)
        throw new BadRequest(
          `Cannot create project, since it specifies its domain_id ${domainId}, but specifies a parent in a different domain (${parent.domain_id}).`,
        );
      const chain = [parent, ...ancestorsIn(await domainProjects(cloud, domainId), parent)];
      const disabled = chain.find((a) => a.enabled !== 1);
      if (disabled)
        throw new BadRequest(`cannot create a project in a branch containing a disabled project: ${disabled.id}`);
      if (chain.length + 1 >= MAX_PROJECT_TREE_DEPTH + 1)
        throw new Forbidden(`Max hierarchy depth reached for ${parent.id} branch.`);
    }
    const id = typeof body.id === 'string' && body.id ? body.id : hexId();
    const columns = newResourceColumns(body, KNOWN);
    if (await getProject(cloud, id)) throw nameConflict(columns.name, id);
    await assertNameFree(cloud, domainId, columns.name, id);
    const row: ProjectRow = {
      id,
      ...columns,
      domain_id: domainId,
      parent_id: parentId,
      created_at: new Date().toISOString(),
    };
    await write(cloud, (trx) => trx.insertInto('projects').values(row).execute());
    return created(reply, { project: projectView(req, row) });
  });

  app.patch('/v3/projects/:project_id', async (req) => {
    const { project_id } = params(req);
    const p = await getProject(cloud, project_id);
    enforce(req, 'identity:update_project', { target: { project: p ?? {} } });
    const body = validate(member(req, 'project'), updateSchema);
    if (!p) {
      const d = await getDomain(cloud, project_id);
      if (!d) throw new NotFound(`Could not find project: ${project_id}.`);
      return { project: await updateDomainProject(req, cloud, d, body) };
    }
    if (body.id !== undefined && body.id !== p.id) throw new BadRequest('Cannot change ID');
    if (body.domain_id !== undefined && body.domain_id !== p.domain_id) throw new BadRequest('Cannot change Domain ID');
    if (body.parent_id !== undefined && body.parent_id !== p.parent_id)
      throw new Forbidden('Update of `parent_id` is not allowed.');
    if (body.is_domain !== undefined && body.is_domain !== false)
      throw new BadRequest('Update of `is_domain` is not allowed.');
    const cascade = flag(query(req), 'cascade');
    if (cascade && Object.keys(body).some((k) => k !== 'enabled' && body[k] !== (projectView(req, p) as any)[k]))
      throw new BadRequest('Cascade update is only allowed for enabled attribute.');
    const all = await domainProjects(cloud, p.domain_id);
    const row: ProjectRow = { ...p, ...updatedResourceColumns(p, body, KNOWN) };
    const enabled = row.enabled;
    if (!p.enabled && enabled && ancestorsIn(all, p).some((a) => !a.enabled))
      throw new Forbidden(`Cannot enable project ${p.id} since it has disabled parents`);
    const subtree = subtreeIn(all, p.id);
    if (p.enabled && !enabled && !cascade && subtree.some((s) => s.enabled))
      throw new Forbidden(`Cannot disable project ${p.id} since its subtree contains enabled projects.`);
    if (row.name !== p.name) await assertNameFree(cloud, p.domain_id, row.name, p.id);
    await write(cloud, async (trx) => {
      await trx.updateTable('projects').set(row).where('id', '=', p.id).execute();
      if (cascade && subtree.length > 0)
        await trx
          .updateTable('projects')
          .set({ enabled })
          .where(
            'id',
            'in',
            subtree.map((s) => s.id),
          )
          .execute();
    });
    return { project: projectView(req, row) };
  });

  app.delete('/v3/projects/:project_id', async (req, reply) => {
    const { project_id } = params(req);
    const p = await getProject(cloud, project_id);
    enforce(req, 'identity:delete_project', { target: { project: p ?? {} } });
    if (!p) {
      const d = await getDomain(cloud, project_id);
      if (!d) throw new NotFound(`Could not find project: ${project_id}.`);
      if (d.enabled)
        throw new BadRequest(
          `cannot delete an enabled project acting as a domain. Please disable the project ${d.id} first.`,
        );
      await write(cloud, (trx) => deleteDomain(trx, d.id));
      return noContent(reply);
    }
    const subtree = subtreeIn(await domainProjects(cloud, p.domain_id), p.id);
    const cascade = flag(query(req), 'cascade');
    if (subtree.length > 0 && !cascade)
      throw new Forbidden(
        `Cannot delete the project ${p.id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`,
      );
    if (cascade && subtree.some((s) => s.enabled))
      throw new Forbidden(`Cannot delete project ${p.id} since its subtree contains enabled projects.`);
    await write(cloud, (trx) => (cascade ? deleteProjectTree(trx, p.id) : deleteProject(trx, p.id)));
    return noContent(reply);
  });
}

/** ?tags=a,b (all), ?tags-any=a,b, ?not-tags=a,b, ?not-tags-any=a,b */
function tagFilter(q: Record<string, string | undefined>) {
  const list = (v: string | undefined) => (v === undefined ? undefined : v.split(','));
  const all = list(q.tags);
  const any = list(q['tags-any']);
  const notAll = list(q['not-tags']);
  const notAny = list(q['not-tags-any']);
  return (p: ProjectRow) => {
    const t = new Set(fromJson<string[]>(p.tags, []));
    if (all && !all.every((x) => t.has(x))) return false;
    if (any && !any.some((x) => t.has(x))) return false;
    if (notAll?.every((x) => t.has(x))) return false;
    if (notAny?.some((x) => t.has(x))) return false;
    return true;
  };
}

/** POST /v3/projects with is_domain: true makes a domain. */
async function createDomainProject(req: FastifyRequest, cloud: Cloud, body: Record<string, any>) {
  if (body.parent_id) throw new BadRequest('only root projects are allowed to act as domains.');
  return domainAsProject(req, await createDomain(cloud, asDomainBody(body)));
}

async function updateDomainProject(req: FastifyRequest, cloud: Cloud, d: DomainRow, body: Record<string, any>) {
  if (body.is_domain === false) throw new BadRequest('Update of `is_domain` is not allowed.');
  return domainAsProject(req, await updateDomain(cloud, d, asDomainBody(body)));
}

/** A project body as a domain body: what only projects have is not the domain's. */
function asDomainBody(body: Record<string, unknown>): Record<string, unknown> {
  const { is_domain: _d, domain_id: _i, parent_id: _p, ...rest } = body;
  return rest;
}
