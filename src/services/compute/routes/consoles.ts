import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { randomToken } from '../../../server/ids.js';
import { computeBase, type NovaHandler, type NovaRequest, requireComputeAdmin } from '../api.js';
import { computeDriver } from '../driver.js';
import { getServer, type Instance, parseInstance } from '../servers/model.js';
import { serverStatus } from '../servers/view.js';
import { VmState } from '../states.js';
import { cdb } from '../store.js';
import type { ActionHandler } from './actions/operation.js';
import { vncPage, vncProxyRoutes } from './vnc-proxy.js';

// Remote consoles: Nova hands out a URL with a one-time token that its
// console proxy (noVNC) accepts. pocketstack is its own proxy: the URL is a
// page under /compute/console, for as long as the token lives (Nova's
// default: 10 minutes): noVNC connected to the guest's screen when the
// driver has one (qemu's, or the fake's: vnc-proxy.ts), else the guest's
// serial log.

const TOKEN_TTL_MS = 600_000;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** console type → protocol, for the types this cloud serves; others are "unavailable", as on a DevStack with only noVNC. */
const SERVED: Record<string, string> = { novnc: 'vnc', serial: 'serial' };
const KNOWN: Record<string, string[]> = {
  vnc: ['novnc', 'xvpvnc'],
  spice: ['spice-html5'],
  rdp: ['rdp-html5'],
  serial: ['serial'],
  mks: ['webmks'],
};

async function issue(cloud: Cloud, req: NovaRequest, i: Instance, type: string) {
  if (!SERVED[type]) throw new BadRequest(`Unavailable console type ${type}.`);
  if (!i.host) throw new Conflict(`Instance ${i.uuid} is not ready`);
  // a guest that is not running has no console to reach (Nova's InstanceNotReady)
  await computeDriver(cloud)
    .console(i.uuid, SERVED[type] as 'vnc' | 'serial')
    .catch(() => {
      throw new Conflict(`Instance ${i.uuid} is not ready`);
    });
  const token = randomToken(24);
  await cdb(cloud)
    .insertInto('nova_console_tokens')
    .values({
      token_hash: hash(token),
      instance_uuid: i.uuid,
      console_type: type,
      expires_at: new Date(Date.now() + TOKEN_TTL_MS).toISOString(),
    })
    .execute();
  const base = `${computeBase(req)}/console`;
  // noVNC's `path` is the websocket's, from the host's root: Nova's form for a
  // proxy under a path (novncproxy_base_url with ?path=), as ours is
  const websockify = new URL(`${base}/websockify`).pathname.slice(1);
  const url =
    type === 'serial'
      ? `${base}/serial?token=${token}`.replace(/^http/, 'ws')
      : `${base}/vnc_lite.html?path=${encodeURIComponent(`${websockify}?token=${token}`)}`;
  return { protocol: SERVED[type], type, url };
}

/** The pre-2.6 console action that asks for a console of this protocol. */
function legacyConsole(protocol: string, name: string): ActionHandler {
  return async (cloud, req, _reply, i, body) => {
    const type = body[name]?.type;
    if (typeof type !== 'string' || !KNOWN[protocol].includes(type))
      throw new BadRequest(
        `Invalid input for field/attribute type. Value: ${type}. '${type}' is not one of ${JSON.stringify(KNOWN[protocol])}`,
      );
    const c = await issue(cloud, req, i, type);
    return { console: { type: c.type, url: c.url } };
  };
}

/** The console actions of POST /servers/{id}/action: the guest's log (console_output) and pre-2.6 consoles. */
export const CONSOLE_ACTIONS: Record<string, ActionHandler> = {
  'os-getVNCConsole': legacyConsole('vnc', 'os-getVNCConsole'),
  'os-getSPICEConsole': legacyConsole('spice', 'os-getSPICEConsole'),
  'os-getRDPConsole': legacyConsole('rdp', 'os-getRDPConsole'),
  'os-getSerialConsole': legacyConsole('serial', 'os-getSerialConsole'),

  async 'os-getConsoleOutput'(cloud, _req, _reply, i, body) {
    const raw = body['os-getConsoleOutput']?.length;
    let length: number | undefined;
    if (raw !== undefined && raw !== null) {
      if (!/^-?\d+$/.test(String(raw)))
        throw new BadRequest(
          `Invalid input for field/attribute length. Value: ${raw}. '${raw}' does not match '^-?[0-9]+$'`,
        );
      length = Number(raw);
      if (length < -1)
        throw new BadRequest(
          `Invalid input for field/attribute length. Value: ${raw}. ${raw} is less than the minimum of -1`,
        );
      if (length === -1) length = undefined;
    }
    if (!i.host || i.vm_state === VmState.BUILDING) throw new Conflict(`Instance ${i.uuid} is not ready`);
    const output = await computeDriver(cloud)
      .consoleOutput(i.uuid, length)
      .catch(() => {
        throw new NotFound(`Guest does not have a console available.`);
      });
    return { output };
  },
};

function page(title: string, body: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:sans-serif;margin:1.5em;background:#111;color:#ddd}pre{background:#000;color:#0f0;padding:1em;overflow:auto;min-height:20em}</style>
</head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

async function lookup(cloud: Cloud, token: string | undefined) {
  if (!token) return undefined;
  return cdb(cloud)
    .selectFrom('nova_console_tokens')
    .selectAll()
    .where('token_hash', '=', hash(token))
    .where('expires_at', '>', new Date().toISOString())
    .executeTakeFirst();
}

/** POST /servers/{id}/remote-consoles (2.6) */
export const createRemoteConsole: NovaHandler = async (cloud, req) => {
  if (!req.microversion.atLeast('2.6')) throw new NotFound('The resource could not be found.');
  const rc = (req.body as { remote_console?: { protocol?: string; type?: string } } | undefined)?.remote_console;
  const protocols = req.microversion.atLeast('2.8') ? Object.keys(KNOWN) : ['vnc', 'spice', 'rdp', 'serial'];
  if (!rc || typeof rc.protocol !== 'string' || !protocols.includes(rc.protocol))
    throw new BadRequest(
      `Invalid input for field/attribute protocol. Value: ${rc?.protocol}. '${rc?.protocol}' is not one of ${JSON.stringify(protocols)}`,
    );
  if (typeof rc.type !== 'string' || !KNOWN[rc.protocol].includes(rc.type))
    throw new BadRequest(`Invalid input for field/attribute type. Value: ${rc.type}.`);
  const i = await getServer(cloud, req);
  return { remote_console: await issue(cloud, req, i, rc.type) };
};

/** /servers/{id}/remote-consoles (2.6) and os-console-auth-tokens. */
export async function consoleRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/servers/:id/remote-consoles', (req, reply) => createRemoteConsole(cloud, req, reply));

  app.get('/os-console-auth-tokens/:token', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-console-auth-tokens');
    const row = await lookup(cloud, (req.params as { token: string }).token);
    if (!row) throw new NotFound('The token is invalid or has expired');
    return { console: { instance_uuid: row.instance_uuid, host: '127.0.0.1', port: 0, internal_access_path: null } };
  });
}

/** The console page the URLs point at (public: the token is the credential). */
export async function consolePageRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);

  const show = async (req: NovaRequest) => {
    const q = req.query as { token?: string; path?: string };
    // `path` is the websocket's path and query (compute/console/websockify?token=...)
    const token = q.token ?? new URLSearchParams((q.path ?? '').replace(/^[^?]*\?/, '')).get('token') ?? undefined;
    const row = await lookup(cloud, token);
    if (!row)
      return {
        code: 401,
        html: page('Console', '<p>The console token is invalid or has expired. Ask for a new URL.</p>'),
      };
    const inst = await db
      .selectFrom('nova_instances')
      .selectAll()
      .where('uuid', '=', row.instance_uuid)
      .executeTakeFirst();
    if (!inst || inst.deleted) return { code: 404, html: page('Console', '<p>The server is gone.</p>') };
    const i = parseInstance(inst);
    const endpoint = await computeDriver(cloud)
      .console(i.uuid, 'vnc')
      .catch(() => undefined);
    if (row.console_type === 'novnc' && endpoint?.kind === 'vnc')
      return { code: 200, html: vncPage(`Console of ${i.display_name}`) };
    const log = await computeDriver(cloud)
      .consoleOutput(i.uuid, 200)
      .catch(() => '(no console output)');
    const esc = log.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
    return {
      code: 200,
      html: page(
        `Console of ${i.display_name}`,
        `<p>Server ${i.uuid}, status ${serverStatus(i)}. This cloud's guests have no graphical console; this is their serial console.</p><pre>${esc}</pre>`,
      ),
    };
  };
  await vncProxyRoutes(app, cloud, (token) => lookup(cloud, token));
  for (const path of ['/console', '/console/vnc_lite.html', '/console/vnc_auto.html', '/console/vnc.html'])
    app.get(path, { config: { public: true } }, async (req, reply) => {
      const { code, html } = await show(req);
      return reply.code(code).type('text/html; charset=utf-8').send(html);
    });
}
