import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import { fromJson } from '../../../store/json.js';
import { checkTenant, identifyStack } from '../lookup.js';
import { stackShow } from '../show.js';
import { createStack, deleteStack, updateStack } from '../stacks.js';
import { hdb } from '../store.js';
import { stackPath, stackSummary } from '../views.js';
import { all, base, boolQuery, intQuery, one, type Query, redirect, splitStatus, stackOf } from './common.js';

// /v1/{tenant}/stacks: the collection, create, the name lookups that
// redirect to /stacks/{name}/{id}, show, update and delete.

const SORT_KEYS: Record<string, string> = {
  stack_name: 'name',
  stack_status: 'status',
  creation_time: 'created_at',
  updated_time: 'updated_at',
  name: 'name',
  status: 'status',
  created_at: 'created_at',
  updated_at: 'updated_at',
};

/** The stacks a listing shows, filtered, sorted and paged as asked. */
async function queryStacks(cloud: Cloud, req: FastifyRequest) {
  const q = req.query as Query;
  const auth = req.auth;
  const global = boolQuery(q, 'global_tenant') && auth.isAdmin;
  let query = hdb(cloud).selectFrom('heat_stacks').selectAll();
  if (!global) query = query.where('project_id', '=', auth.projectId!);
  if (!boolQuery(q, 'show_deleted')) query = query.where('deleted_at', 'is', null);
  if (!boolQuery(q, 'show_nested')) query = query.where('owner_id', 'is', null);
  const filters: [string, string][] = [
    ['id', 'id'],
    ['name', 'name'],
    ['stack_name', 'name'],
    ['tenant', 'project_id'],
    ['username', 'username'],
    ['owner_id', 'owner_id'],
  ];
  for (const [param, col] of filters) {
    const v = all(q, param);
    if (v.length) query = query.where(col as any, 'in', v);
  }
  const { actions, statuses } = splitStatus([...all(q, 'status'), ...all(q, 'stack_status')]);
  const act = [...actions, ...all(q, 'action')];
  if (statuses.length) query = query.where('status', 'in', statuses);
  if (act.length) query = query.where('action', 'in', act);
  const dir = one(q, 'sort_dir') ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Unknown sort direction, must be 'desc' or 'asc'`);
  const keys = all(q, 'sort_keys').flatMap((k) => k.split(','));
  for (const k of keys) if (!SORT_KEYS[k]) throw new BadRequest(`Sort key '${k}' not supported`);
  let rows = await query.execute();
  const tagsOf = (r: { tags: string | null }) => fromJson<string[]>(r.tags, []);
  const tagFilter = (param: string, test: (t: string[], want: string[]) => boolean) => {
    const want = one(q, param)?.split(',');
    if (want) rows = rows.filter((r) => test(tagsOf(r), want));
  };
  tagFilter('tags', (t, w) => w.every((x) => t.includes(x)));
  tagFilter('tags_any', (t, w) => w.some((x) => t.includes(x)));
  tagFilter('not_tags', (t, w) => !w.every((x) => t.includes(x)));
  tagFilter('not_tags_any', (t, w) => !w.some((x) => t.includes(x)));
  const sortCols = (keys.length ? keys : ['created_at']).map((k) => SORT_KEYS[k]);
  rows.sort((a: any, b: any) => {
    for (const c of [...sortCols, 'id']) {
      const x = a[c] ?? '';
      const y = b[c] ?? '';
      if (x !== y) return (x < y ? -1 : 1) * (dir === 'asc' ? 1 : -1);
    }
    return 0;
  });
  const count = rows.length;
  const marker = one(q, 'marker');
  if (marker) {
    const i = rows.findIndex((r) => r.id === marker);
    if (i === -1) throw new BadRequest(`marker ${marker} not found`, 'NotFound');
    rows = rows.slice(i + 1);
  }
  const limit = intQuery(q, 'limit');
  if (limit !== undefined) rows = rows.slice(0, limit);
  return { rows, count, limit };
}

async function listStacks(cloud: Cloud, req: FastifyRequest) {
  const { rows, count, limit } = await queryStacks(cloud, req);
  const b = base(req);
  const out: Record<string, unknown> = { stacks: rows.map((r) => stackSummary(b, r, req.auth.isAdmin)) };
  if (limit !== undefined && rows.length === limit && rows.length > 0) {
    const params = new URLSearchParams(req.query as Record<string, string>);
    params.set('marker', rows[rows.length - 1].id);
    out.links = [{ href: `${b}${req.url.split('?')[0]}?${params}`, rel: 'next' }];
  }
  if (boolQuery(req.query as Query, 'with_count')) out.count = count;
  return out;
}

export async function stackRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v1/:tenant/stacks', async (req) => {
    checkTenant(req, (req.params as { tenant: string }).tenant);
    return listStacks(cloud, req);
  });

  app.get('/v1/:tenant/stacks/detail', async (req) => {
    checkTenant(req, (req.params as { tenant: string }).tenant);
    const { rows } = await queryStacks(cloud, req);
    return { stacks: await Promise.all(rows.map((r) => stackShow(cloud, r, base(req), true))) };
  });

  app.post('/v1/:tenant/stacks', async (req, reply) => {
    checkTenant(req, (req.params as { tenant: string }).tenant, true);
    const s = await createStack(cloud, req.auth, req.body);
    const href = stackPath(base(req), s);
    reply.code(201).header('location', href);
    return { stack: { id: s.id, links: [{ href, rel: 'self' }] } };
  });

  // the lookups: a name (or id) alone redirects to the stack's full URL, keeping the query
  const lookup = async (req: FastifyRequest, reply: FastifyReply, path?: string) => {
    const p = req.params as { tenant: string; name: string };
    checkTenant(req, p.tenant);
    const s = await identifyStack(cloud, req.auth, p.name);
    const qs = req.url.includes('?') ? `?${req.url.split('?')[1]}` : '';
    return redirect(reply, `${stackPath(base(req), s)}${path ? `/${path}` : ''}${qs}`);
  };
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const)
    app.route({ method, url: '/v1/:tenant/stacks/:name', handler: (req, reply) => lookup(req, reply) });
  for (const path of ['resources', 'events', 'template', 'environment', 'files'])
    app.get(`/v1/:tenant/stacks/:name/${path}`, (req, reply) => lookup(req, reply, path));
  for (const path of ['resources', 'events', 'template', 'actions'])
    app.post(`/v1/:tenant/stacks/:name/${path}`, (req, reply) => lookup(req, reply, path));

  app.get('/v1/:tenant/stacks/:name/:id', async (req) => {
    const s = await stackOf(cloud, req, { showDeleted: true });
    const resolve = boolQuery(req.query as Query, 'resolve_outputs', true);
    return { stack: await stackShow(cloud, s, base(req), resolve) };
  });

  app.put('/v1/:tenant/stacks/:name/:id', async (req, reply) => {
    const s = await stackOf(cloud, req, { write: true });
    await updateStack(cloud, req.auth, s, req.body, false);
    return reply.code(202).send();
  });

  app.patch('/v1/:tenant/stacks/:name/:id', async (req, reply) => {
    const s = await stackOf(cloud, req, { write: true });
    await updateStack(cloud, req.auth, s, req.body, true);
    return reply.code(202).send();
  });

  app.delete('/v1/:tenant/stacks/:name/:id', async (req, reply) => {
    const s = await stackOf(cloud, req, { write: true });
    await deleteStack(cloud, s);
    return reply.code(204).send();
  });
}
