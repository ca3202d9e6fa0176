import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Cloud } from '../../../cloud.js';
import { receiveHandle, run } from '../../../host/exec.js';
import { metadataUrl } from '../../../services/compute/metadata/service.js';
import { metadataSecret, signInstanceId } from '../../../services/compute/metadata/signature.js';
import { type MetadataOwner, metadataPortOwner } from '../../../services/network/metadata-ports.js';

// 169.254.169.254:80 for the guests of a network or a router: Neutron's
// metadata proxy and metadata agent in one, with no process per namespace.
//
// For the linux driver (the whole interface):
//
//   const md = new MetadataProxy(cloud);
//   await md.ensure(dhcpNamespace(netId), { networkId: netId });   // 169.254.169.254/32 already on ns-<port>
//   await md.ensure(routerNamespace(id), { routerId: id });        // adds 169.254.169.254/32 to the router's lo
//   await md.remove(namespace);                                    // before the namespace goes
//   await md.close();                                              // every listener (shutdown, reset)
//
// ensure() is idempotent: a namespace that has a listener keeps it. Nothing
// survives pocketstack: listeners are sockets of this process, so after a
// restart the driver calls ensure() again for each namespace (reconcile).
//
// How: `ip netns exec <ns> node -e <LISTEN>` binds a TCP socket to
// 169.254.169.254:80 inside the namespace, hands the listening socket over
// the IPC channel and exits (the helper is a string in this file: nothing for
// the bundle to find on disk). Connections are accepted here, the guest is the
// peer address of the connection on the networks the namespace serves
// (services/network/metadata-ports.ts), and the request goes to the metadata
// service with X-Forwarded-For, X-Neutron-Network-ID or X-Neutron-Router-ID,
// X-Instance-ID, X-Tenant-ID and X-Instance-ID-Signature (HMAC-SHA256 of the
// instance id with the data dir's shared secret), as neutron-metadata-agent
// forwards it to Nova. A router namespace gets the address on its loopback
// (no NAT): guests route 169.254.169.254 to their gateway, the router
// delivers it locally. In a qdhcp namespace the address is on the DHCP port.

export const METADATA_IP = '169.254.169.254';
const METADATA_PORT = 80;

/** The helper run inside the namespace: listen, send the listening socket to the parent, exit. */
const LISTEN = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const server = net.createServer();
server.on('error', (e) => process.send({ error: e.code || String(e) }, () => process.exit(1)));
server.listen({ host, port: Number(port), exclusive: true }, () =>
  process.send({ listening: true }, server, () => process.exit(0)),
);
`;

/** Headers the proxy sets itself; whatever a guest sent under these names is dropped. */
const IDENTITY_HEADERS = new Set([
  'x-forwarded-for',
  'x-instance-id',
  'x-instance-id-signature',
  'x-tenant-id',
  'x-neutron-network-id',
  'x-neutron-router-id',
]);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

interface Listener {
  owner: MetadataOwner;
  socket: NetServer;
  http: Server;
}

export class MetadataProxy {
  private listeners = new Map<string, Listener>();
  private pending = new Map<string, Promise<void>>();

  constructor(private readonly cloud: Cloud) {}

  /** A listener on 169.254.169.254:80 in `namespace`, serving the guests of `owner`. */
  ensure(namespace: string, owner: MetadataOwner): Promise<void> {
    const had = this.listeners.get(namespace);
    if (had) {
      had.owner = owner;
      return Promise.resolve();
    }
    let p = this.pending.get(namespace);
    if (!p) {
      p = this.open(namespace, owner).finally(() => this.pending.delete(namespace));
      this.pending.set(namespace, p);
    }
    return p;
  }

  /** Stops serving `namespace` (no-op when it has no listener). */
  async remove(namespace: string): Promise<void> {
    await this.pending.get(namespace)?.catch(() => {});
    const l = this.listeners.get(namespace);
    if (!l) return;
    this.listeners.delete(namespace);
    await new Promise<void>((resolve) => l.socket.close(() => resolve()));
    l.http.closeAllConnections();
  }

  /** Stops every listener. */
  async close(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => p.catch(() => {})));
    await Promise.all([...this.listeners.keys()].map((ns) => this.remove(ns)));
  }

  /** Namespaces with a listener. */
  namespaces(): string[] {
    return [...this.listeners.keys()];
  }

  private async open(namespace: string, owner: MetadataOwner): Promise<void> {
    if ('routerId' in owner) await run('ip', ['-n', namespace, 'addr', 'replace', `${METADATA_IP}/32`, 'dev', 'lo']);
    const { message, handle } = await receiveHandle(
      process.execPath,
      ['-e', LISTEN, METADATA_IP, String(METADATA_PORT)],
      { netns: namespace, timeoutMs: 15_000 },
    );
    const m = message as { listening?: boolean; error?: string };
    if (!m?.listening || !(handle instanceof NetServer))
      throw new Error(`metadata listener in ${namespace}: ${m?.error ?? 'no socket received'}`);
    const listener: Listener = { owner, socket: handle, http: createServer() };
    listener.http.requestTimeout = 30_000;
    listener.http.headersTimeout = 10_000;
    listener.http.on('request', (req, res) => {
      this.forward(listener.owner, req, res).catch((e) => {
        this.cloud.log.warn({ err: e, namespace }, 'metadata proxy request failed');
        if (!res.headersSent) answer(res, 500, 'An unknown error has occurred. Please try your request again.');
        else res.destroy();
      });
    });
    handle.on('connection', (s) => listener.http.emit('connection', s));
    this.listeners.set(namespace, listener);
  }

  private async forward(owner: MetadataOwner, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const found = peer ? await metadataPortOwner(this.cloud, owner, peer) : undefined;
    if (!found) return answer(res, 404, 'The resource could not be found.');
    const upstream = metadataUrl(this.cloud);
    if (!upstream) return answer(res, 500, 'An unknown error has occurred. Please try your request again.');
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !IDENTITY_HEADERS.has(k) && !HOP_BY_HOP.has(k)) headers[k] = v;
    Object.assign(headers, {
      'x-forwarded-for': peer,
      ...('networkId' in owner
        ? { 'x-neutron-network-id': owner.networkId }
        : { 'x-neutron-router-id': owner.routerId }),
      'x-instance-id': found.instanceId,
      'x-tenant-id': found.projectId,
      'x-instance-id-signature': signInstanceId(metadataSecret(this.cloud), found.instanceId),
    });
    await new Promise<void>((resolve, reject) => {
      const up = request(`${upstream}${req.url ?? '/'}`, { method: req.method, headers }, (r) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        res.writeHead(r.statusCode ?? 502, out);
        r.pipe(res);
        r.on('end', resolve);
        r.on('error', reject);
      });
      up.setTimeout(30_000, () => up.destroy(new Error('metadata service timed out')));
      up.on('error', reject);
      req.pipe(up);
    });
  }
}

function answer(res: ServerResponse, code: 404 | 500, text: string): void {
  const title = code === 404 ? 'Not Found' : 'Internal Server Error';
  res.writeHead(code, { 'content-type': 'text/plain; charset=UTF-8' });
  res.end(`${code} ${title}\n\n${text}\n\n   `);
}
