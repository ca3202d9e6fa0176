import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import { HeatError } from '../errors.js';
import { nestedTree } from '../show.js';
import { type EventRow, hdb, type StackRow } from '../store.js';
import { eventView } from '../views.js';
import { all, base, intQuery, one, type Query, splitStatus, stackOf } from './common.js';

// /v1/{tenant}/stacks/{name}/{id}/events (and per resource): the event log
// in the order things happened, with Heat's filters, sort, marker and limit;
// nested_depth mixes in the events of nested stacks.

const SORT_KEYS: Record<string, keyof EventRow> = {
  created_at: 'seq',
  event_time: 'seq',
  resource_name: 'resource_name',
  resource_status: 'resource_status',
  resource_action: 'resource_action',
  resource_type: 'resource_type',
};

async function listEvents(cloud: Cloud, req: any, resourceName?: string) {
  const q = req.query as Query;
  const s = await stackOf(cloud, req, { showDeleted: true });
  const depth = intQuery(q, 'nested_depth') ?? 0;
  const stacks: StackRow[] = [s, ...(depth > 0 ? await nestedTree(cloud, s, depth) : [])];
  const byId = new Map(stacks.map((x) => [x.id, x]));
  let query = hdb(cloud)
    .selectFrom('heat_events')
    .selectAll()
    .where('stack_id', 'in', [...byId.keys()]);
  const names = resourceName !== undefined ? [resourceName] : all(q, 'resource_name');
  if (names.length) query = query.where('resource_name', 'in', names);
  const types = all(q, 'resource_type');
  if (types.length) query = query.where('resource_type', 'in', types);
  const { actions, statuses } = splitStatus(all(q, 'resource_status'));
  const acts = [...actions, ...all(q, 'resource_action')];
  if (statuses.length) query = query.where('resource_status', 'in', statuses);
  if (acts.length) query = query.where('resource_action', 'in', acts);
  const dir = one(q, 'sort_dir') ?? 'asc';
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Unknown sort direction, must be 'desc' or 'asc'`);
  const keys = all(q, 'sort_keys').flatMap((k) => k.split(','));
  for (const k of keys) if (!SORT_KEYS[k]) throw new BadRequest(`Sort key '${k}' not supported`);
  for (const k of keys) query = query.orderBy(SORT_KEYS[k], dir);
  query = query.orderBy('seq', dir);
  let rows = await query.execute();
  const marker = one(q, 'marker');
  if (marker) {
    const i = rows.findIndex((e) => e.id === marker);
    if (i === -1) throw new HeatError(404, `The Event (${marker}) could not be found.`, 'EntityNotFound');
    rows = rows.slice(i + 1);
  }
  const limit = intQuery(q, 'limit');
  if (limit !== undefined) rows = rows.slice(0, limit);
  const b = base(req);
  return { s, events: rows.map((e) => eventView(b, byId.get(e.stack_id)!, e, false, depth > 0 ? s : undefined)) };
}

export async function eventRoutes(app: FastifyInstance, cloud: Cloud) {
  const P = '/v1/:tenant/stacks/:name/:id';

  app.get(`${P}/events`, async (req) => ({ events: (await listEvents(cloud, req)).events }));

  app.get(`${P}/resources/:resource/events`, async (req) => {
    const name = (req.params as { resource: string }).resource;
    const { events } = await listEvents(cloud, req, name);
    if (events.length === 0) throw new HeatError(404, `No events found for resource ${name}`, 'HTTPNotFound');
    return { events };
  });

  app.get(`${P}/resources/:resource/events/:event`, async (req) => {
    const { resource, event } = req.params as { resource: string; event: string };
    const s = await stackOf(cloud, req);
    const e = await hdb(cloud)
      .selectFrom('heat_events')
      .selectAll()
      .where('stack_id', '=', s.id)
      .where('resource_name', '=', resource)
      .where('id', '=', event)
      .executeTakeFirst();
    if (!e) throw new HeatError(404, `No event ${event} found`, 'HTTPNotFound');
    return { event: eventView(base(req), s, e, true) };
  });
}
