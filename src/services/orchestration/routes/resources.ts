import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { AuthRequired } from '../../../server/auth.js';
import { BadRequest } from '../../../server/errors.js';
import { getStack } from '../lookup.js';
import { boolParam } from '../request.js';
import { markUnhealthy, resourceNotFound, signalResource, signalTokenMatches } from '../resource-actions.js';
import { resourceViews } from '../show.js';
import { getResourceRow, type StackRow } from '../store.js';
import { isMap } from '../template/scope.js';
import {
  all,
  base,
  boolQuery,
  intQuery,
  onlyKnown,
  type Query,
  type StackParams,
  splitStatus,
  stackOf,
} from './common.js';

// /v1/{tenant}/stacks/{name}/{id}/resources: list (with nested_depth and
// filters), show, metadata, signal and mark-unhealthy.

const FILTERS = ['type', 'status', 'name', 'action', 'id', 'physical_resource_id'];

export async function resourceRoutes(app: FastifyInstance, cloud: Cloud) {
  const P = '/v1/:tenant/stacks/:name/:id/resources';

  app.get(P, async (req) => {
    const q = req.query as Query;
    onlyKnown(q, [...FILTERS, 'nested_depth', 'with_detail']);
    const s = await stackOf(cloud, req, { showDeleted: true });
    let list = await resourceViews(cloud, s, base(req), {
      depth: intQuery(q, 'nested_depth') ?? 0,
      withDetail: boolQuery(q, 'with_detail'),
    });
    const keep = (field: string, values: string[]) => {
      if (values.length) list = list.filter((r) => values.includes(String(r[field])));
    };
    keep('resource_type', all(q, 'type'));
    keep('resource_name', all(q, 'name'));
    keep('physical_resource_id', [...all(q, 'physical_resource_id'), ...all(q, 'id')]);
    const { actions, statuses } = splitStatus(all(q, 'status'));
    const acts = [...actions, ...all(q, 'action')];
    if (statuses.length) list = list.filter((r) => statuses.some((st) => String(r.resource_status).endsWith(`_${st}`)));
    if (acts.length) list = list.filter((r) => acts.some((a) => String(r.resource_status).startsWith(`${a}_`)));
    return { resources: list };
  });

  app.get(`${P}/:resource`, async (req) => {
    const s = await stackOf(cloud, req);
    const name = (req.params as { resource: string }).resource;
    const [view] = await resourceViews(cloud, s, base(req), {
      withDetail: true,
      only: name,
      withAttrs: all(req.query as Query, 'with_attr'),
    });
    if (!view) throw resourceNotFound(name, s.name);
    return { resource: view };
  });

  app.get(`${P}/:resource/metadata`, async (req) => {
    const s = await stackOf(cloud, req);
    const name = (req.params as { resource: string }).resource;
    const row = await getResourceRow(cloud, s.id, name);
    if (!row) throw resourceNotFound(name, s.name);
    return { metadata: JSON.parse(row.metadata || '{}') };
  });

  app.patch(`${P}/:resource`, async (req, reply) => {
    const s = await stackOf(cloud, req, { write: true });
    const body = (isMap(req.body) ? req.body : {}) as Record<string, unknown>;
    const bad = Object.keys(body).filter((k) => k !== 'mark_unhealthy' && k !== 'resource_status_reason');
    if (bad.length)
      throw new BadRequest(`Invalid keys in resource mark unhealthy {${bad.map((k) => `'${k}'`).join(', ')}}`);
    if (!('mark_unhealthy' in body))
      throw new BadRequest('Missing mandatory (mark_unhealthy) key from mark unhealthy request');
    const mark = boolParam('mark_unhealthy', body.mark_unhealthy);
    await markUnhealthy(
      cloud,
      s,
      (req.params as { resource: string }).resource,
      mark,
      String(body.resource_status_reason ?? ''),
    );
    return reply.code(200).send();
  });

  // Signals come from users, and from whoever holds a wait condition handle's token (instances, scripts).
  app.post(`${P}/:resource/signal`, { config: { tokenOptional: true } }, async (req: FastifyRequest, reply) => {
    const p = req.params as StackParams & { resource: string };
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') throw new AuthRequired();
    let stack: StackRow | undefined;
    if (req.auth) {
      stack = await stackOf(cloud, req, { write: true });
    } else {
      stack = await getStack(cloud, { isAdmin: true } as never, p.name, p.id).catch(() => undefined);
      if (!stack || stack.project_id !== p.tenant || !(await signalTokenMatches(cloud, stack, p.resource, token)))
        throw new AuthRequired();
    }
    await signalResource(cloud, stack, p.resource, req.body ?? null);
    return reply.code(200).send();
  });
}
