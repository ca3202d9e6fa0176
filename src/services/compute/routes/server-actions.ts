import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotImplemented } from '../../../server/errors.js';
import type { NovaHandler } from '../api.js';
import { getServer } from '../servers/model.js';
import { IMAGE_ACTIONS } from './actions/images.js';
import { LIFECYCLE_ACTIONS } from './actions/lifecycle.js';
import { NETWORK_ACTIONS } from './actions/network.js';
import type { ActionHandler } from './actions/operation.js';
import { REBUILD_RESIZE_ACTIONS } from './actions/rebuild-resize.js';
import { CONSOLE_ACTIONS } from './consoles.js';

// POST /servers/{id}/action dispatches on the body's single key to the
// action families in ./actions (and the console actions of consoles.ts).

const ACTIONS: Record<string, ActionHandler> = {
  ...LIFECYCLE_ACTIONS,
  ...REBUILD_RESIZE_ACTIONS,
  ...IMAGE_ACTIONS,
  ...NETWORK_ACTIONS,
  ...CONSOLE_ACTIONS,
};

/** POST /servers/{id}/action: one action named by the body's single key. */
export const serverAction: NovaHandler = async (cloud, req, reply) => {
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Malformed request body');
  const name = Object.keys(body)[0];
  const i = await getServer(cloud, req);
  const handler = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!handler) {
    if (name === 'evacuate') throw new NotImplemented(`pocketstack does not support the '${name}' server action yet.`);
    throw new BadRequest(`There is no such action: ${name}`);
  }
  return handler(cloud, req, reply, i, body);
};

export async function serverActionRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/servers/:id/action', (req, reply) => serverAction(cloud, req, reply));
}
