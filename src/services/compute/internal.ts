// Nova's in-process API for the other services (Heat's OS::Nova::* types,
// volume attachments from Heat, ...). Each function is one Nova API call made
// as `caller`, without HTTP or a token: it runs the same handler the route
// runs — validation, policy, the state table, the view of the microversion
// asked for (default 2.79) — on a request made here. Results are the API's
// bodies (`server`, `flavor`, ... unwrapped); failures are the ApiErrors the
// API would answer (404 for another project's server, 409 for a state that
// forbids an action, 403 for a reader that tries to change something).

import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { NotFound } from '../../server/errors.js';
import { requestId } from '../../server/ids.js';
import { Microversion } from '../../server/microversion.js';
import { checkMemberWrites, type NovaHandler, type NovaReply, type NovaRequest } from './api.js';
import * as flavorRows from './flavors.js';
import * as consoles from './routes/consoles.js';
import * as flavorExtras from './routes/flavor-extras.js';
import * as flavors from './routes/flavors.js';
import * as keypairs from './routes/keypairs.js';
import * as actions from './routes/server-actions.js';
import * as data from './routes/server-data.js';
import * as groups from './routes/server-groups.js';
import * as servers from './routes/servers.js';
import * as attachments from './routes/volume-attachments.js';
import { findInstance } from './servers/model.js';
import { serverStatus } from './servers/view.js';

const DEFAULT_MICROVERSION = '2.79';

interface Call {
  /** The API path (for links and the policy rule a reader is refused with). */
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  query?: Record<string, string>;
  microversion?: string;
}

/** A reply that keeps what a handler sends instead of writing it to a socket. */
class KeptReply implements NovaReply {
  sent = false;
  body: unknown;
  code(_status: number): NovaReply {
    return this;
  }
  header(_name: string, _value: string): NovaReply {
    return this;
  }
  send(payload?: unknown): NovaReply {
    this.sent = true;
    this.body = payload;
    return this;
  }
}

async function call(cloud: Cloud, caller: AuthContext, handler: NovaHandler, c: Call, method: string): Promise<any> {
  checkMemberWrites(caller, method, `/compute/v2.1${c.path}`);
  const id = requestId();
  const req: NovaRequest = {
    auth: caller,
    microversion: Microversion.parse(c.microversion ?? DEFAULT_MICROVERSION)!,
    params: c.params ?? {},
    body: c.body,
    query: c.query ?? {},
    url: `/compute/v2.1${c.path}`,
    headers: { host: `${cloud.config.host}:${cloud.config.port}` },
    protocol: 'http',
    id,
    requestId: id,
  };
  const reply = new KeptReply();
  const returned = await handler(cloud, req, reply);
  return reply.sent ? reply.body : returned;
}

const read = (cloud: Cloud, caller: AuthContext, h: NovaHandler, c: Call) => call(cloud, caller, h, c, 'GET');
const write = (cloud: Cloud, caller: AuthContext, h: NovaHandler, c: Call) => call(cloud, caller, h, c, 'POST');
const remove = (cloud: Cloud, caller: AuthContext, h: NovaHandler, c: Call) => call(cloud, caller, h, c, 'DELETE');

// --- servers

/** POST /servers with `server` (and scheduler hints); the 202 body's `server` (id, adminPass, ...). */
export async function createServer(
  cloud: Cloud,
  caller: AuthContext,
  server: Record<string, unknown>,
  hints?: Record<string, unknown>,
) {
  const body = { server, ...(hints ? { 'os:scheduler_hints': hints } : {}) };
  return (await write(cloud, caller, servers.createServer, { path: '/servers', body })).server;
}

/** GET /servers/{id}: the full view. */
export async function getServer(cloud: Cloud, caller: AuthContext, id: string, microversion?: string) {
  return (await read(cloud, caller, servers.showServer, { path: `/servers/${id}`, params: { id }, microversion }))
    .server;
}

/**
 * A server's status as the API shows it, and its fault: one row read, no
 * addresses or volumes, for callers that poll (Heat waiting for ACTIVE).
 * NotFound once the server is gone.
 */
export async function serverState(
  cloud: Cloud,
  caller: AuthContext,
  id: string,
): Promise<{ status: string; taskState: string | null; fault?: { code: number; message: string } }> {
  const i = await findInstance(cloud, caller, id);
  const status = serverStatus(i);
  const fault =
    status === 'ERROR' && i.faultInfo ? { code: i.faultInfo.code, message: i.faultInfo.message } : undefined;
  return { status, taskState: i.task_state, ...(fault ? { fault } : {}) };
}

/** PUT /servers/{id} with `server` (name, description, ...). */
export async function updateServer(cloud: Cloud, caller: AuthContext, id: string, server: Record<string, unknown>) {
  return (
    await write(cloud, caller, servers.updateServer, { path: `/servers/${id}`, params: { id }, body: { server } })
  ).server;
}

/** PUT /servers/{id}/metadata: replaces all of it. */
export async function setServerMetadata(
  cloud: Cloud,
  caller: AuthContext,
  id: string,
  metadata: Record<string, string>,
) {
  const path = `/servers/${id}/metadata`;
  return (await write(cloud, caller, data.replaceMetadata, { path, params: { id }, body: { metadata } })).metadata;
}

/** POST /servers/{id}/action with one action ({resize: {...}}, {suspend: null}, ...); its body, if any. */
export function serverAction(cloud: Cloud, caller: AuthContext, id: string, action: Record<string, unknown>) {
  return write(cloud, caller, actions.serverAction, { path: `/servers/${id}/action`, params: { id }, body: action });
}

/** DELETE /servers/{id}: starts the delete (serverState answers NotFound when it is done). */
export async function deleteServer(cloud: Cloud, caller: AuthContext, id: string): Promise<void> {
  await remove(cloud, caller, servers.deleteServer, { path: `/servers/${id}`, params: { id } });
}

/** POST /servers/{id}/remote-consoles: { protocol, type, url }. */
export async function remoteConsole(cloud: Cloud, caller: AuthContext, id: string, protocol: string, type: string) {
  const path = `/servers/${id}/remote-consoles`;
  const body = { remote_console: { protocol, type } };
  return (await write(cloud, caller, consoles.createRemoteConsole, { path, params: { id }, body })).remote_console;
}

/** POST /servers/{id}/os-volume_attachments: { id, serverId, volumeId, device }. */
export async function attachVolume(
  cloud: Cloud,
  caller: AuthContext,
  id: string,
  volumeAttachment: { volumeId: string; device?: string },
) {
  const path = `/servers/${id}/os-volume_attachments`;
  return (await write(cloud, caller, attachments.attachVolume, { path, params: { id }, body: { volumeAttachment } }))
    .volumeAttachment;
}

/** DELETE /servers/{id}/os-volume_attachments/{volumeId}: starts the detach. */
export async function detachVolume(cloud: Cloud, caller: AuthContext, id: string, volumeId: string): Promise<void> {
  const path = `/servers/${id}/os-volume_attachments/${volumeId}`;
  await remove(cloud, caller, attachments.detachVolume, { path, params: { id, volumeId } });
}

// --- key pairs

/** POST /os-keypairs: the key pair, with private_key when Nova generated it. */
export async function createKeypair(cloud: Cloud, caller: AuthContext, keypair: Record<string, unknown>) {
  return (await write(cloud, caller, keypairs.createKeypair, { path: '/os-keypairs', body: { keypair } })).keypair;
}

export async function getKeypair(cloud: Cloud, caller: AuthContext, name: string) {
  return (await read(cloud, caller, keypairs.showKeypair, { path: `/os-keypairs/${name}`, params: { name } })).keypair;
}

export async function deleteKeypair(cloud: Cloud, caller: AuthContext, name: string): Promise<void> {
  await remove(cloud, caller, keypairs.deleteKeypair, { path: `/os-keypairs/${name}`, params: { name } });
}

// --- flavors

/** POST /flavors (admins): the flavor. */
export async function createFlavor(cloud: Cloud, caller: AuthContext, flavor: Record<string, unknown>) {
  return (await write(cloud, caller, flavors.createFlavor, { path: '/flavors', body: { flavor } })).flavor;
}

export async function getFlavor(cloud: Cloud, caller: AuthContext, id: string) {
  return (await read(cloud, caller, flavors.showFlavor, { path: `/flavors/${id}`, params: { id } })).flavor;
}

/** A flavor the caller may use, by id or else by name (as Heat's nova plugin finds it); undefined when none. */
export async function findFlavor(cloud: Cloud, caller: AuthContext, nameOrId: string) {
  const byId = await flavorRows.getFlavor(cloud, caller, nameOrId).catch((e) => {
    if (e instanceof NotFound) return undefined;
    throw e;
  });
  if (byId) return getFlavor(cloud, caller, byId.flavorid);
  const all = await read(cloud, caller, flavors.listFlavorDetails, {
    path: '/flavors/detail',
    query: { is_public: 'None' },
  });
  return (all.flavors as ReturnType<typeof flavors.flavorView>[]).find((f) => f.name === nameOrId);
}

/** PUT /flavors/{id} (2.55): the description. */
export async function updateFlavor(cloud: Cloud, caller: AuthContext, id: string, description: string | null) {
  const body = { flavor: { description } };
  return (await write(cloud, caller, flavors.updateFlavor, { path: `/flavors/${id}`, params: { id }, body })).flavor;
}

export async function deleteFlavor(cloud: Cloud, caller: AuthContext, id: string): Promise<void> {
  await remove(cloud, caller, flavors.deleteFlavor, { path: `/flavors/${id}`, params: { id } });
}

export async function flavorExtraSpecs(cloud: Cloud, caller: AuthContext, id: string): Promise<Record<string, string>> {
  const path = `/flavors/${id}/os-extra_specs`;
  return (await read(cloud, caller, flavorExtras.showExtraSpecs, { path, params: { id } })).extra_specs;
}

/** POST /flavors/{id}/os-extra_specs: adds or changes these keys. */
export async function setFlavorExtraSpecs(
  cloud: Cloud,
  caller: AuthContext,
  id: string,
  specs: Record<string, string>,
): Promise<void> {
  const path = `/flavors/${id}/os-extra_specs`;
  await write(cloud, caller, flavorExtras.createExtraSpecs, { path, params: { id }, body: { extra_specs: specs } });
}

export async function deleteFlavorExtraSpec(cloud: Cloud, caller: AuthContext, id: string, key: string): Promise<void> {
  const path = `/flavors/${id}/os-extra_specs/${key}`;
  await remove(cloud, caller, flavorExtras.deleteExtraSpec, { path, params: { id, key } });
}

/** addTenantAccess / removeTenantAccess on a private flavor. */
export async function flavorAccess(
  cloud: Cloud,
  caller: AuthContext,
  id: string,
  change: 'addTenantAccess' | 'removeTenantAccess',
  tenant: string,
): Promise<void> {
  const path = `/flavors/${id}/action`;
  await write(cloud, caller, flavorExtras.flavorAction, { path, params: { id }, body: { [change]: { tenant } } });
}

// --- server groups

/** POST /os-server-groups with `server_group` as the microversion asks (2.64: policy and rules). */
export async function createServerGroup(
  cloud: Cloud,
  caller: AuthContext,
  group: Record<string, unknown>,
  microversion = DEFAULT_MICROVERSION,
) {
  const body = { server_group: group };
  return (await write(cloud, caller, groups.createServerGroup, { path: '/os-server-groups', body, microversion }))
    .server_group;
}

export async function getServerGroup(cloud: Cloud, caller: AuthContext, id: string) {
  const path = `/os-server-groups/${id}`;
  return (await read(cloud, caller, groups.showServerGroup, { path, params: { id } })).server_group;
}

export async function deleteServerGroup(cloud: Cloud, caller: AuthContext, id: string): Promise<void> {
  await remove(cloud, caller, groups.deleteServerGroup, { path: `/os-server-groups/${id}`, params: { id } });
}
