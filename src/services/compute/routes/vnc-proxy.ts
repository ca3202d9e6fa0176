import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { dirname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import type { Cloud } from '../../../cloud.js';
import { computeDriver } from '../driver.js';

// The graphical console: pocketstack is its own nova-novncproxy. The page
// (our few lines around noVNC's RFB client, from the @novnc/novnc package,
// whose npm files are its ES modules core/ and vendor/) opens a websocket
// to /compute/console/websockify?token=...; the token is checked as Nova's
// proxy checks it, and the socket is spliced to the guest's VNC server on
// its unix socket (qemu), or to the fake guest's screen (fake-vnc.ts).

let novncRoot: string | undefined;
function novnc(): string {
  // the package exports only core/rfb.js: its root is two levels up
  novncRoot ??= dirname(dirname(createRequire(import.meta.url).resolve('@novnc/novnc')));
  return novncRoot;
}

const assetCache = new Map<string, Buffer>();

/** A file of noVNC's core/ or vendor/ (JavaScript modules only), or undefined. */
async function asset(rel: string): Promise<Buffer | undefined> {
  if (!/^(core|vendor)\/[\w./-]+\.js$/.test(rel) || rel.includes('..')) return undefined;
  const root = novnc();
  const path = resolve(join(root, rel));
  if (!path.startsWith(root + sep)) return undefined;
  let data = assetCache.get(path);
  if (!data) {
    data = await readFile(path).catch(() => undefined);
    if (data) assetCache.set(path, data);
  }
  return data;
}

/** The console page: noVNC's RFB on a canvas, connected through the token in `path` (Nova's URL form). */
export function vncPage(title: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="description" content="The guest's screen, drawn by noVNC">
<style>html,body{margin:0;height:100%;background:#1e1e1e;color:#ddd;font:14px sans-serif;display:flex;flex-direction:column}
#bar{padding:4px 8px;display:flex;gap:1em;align-items:center}#screen{flex:1;overflow:hidden}button{font:inherit}</style>
</head><body><div id="bar"><strong>${esc(title)}</strong><span id="status">Connecting…</span>
<button id="cad" disabled>Send Ctrl-Alt-Del</button></div><div id="screen"></div>
<script type="module">
import RFB from './novnc/core/rfb.js';
const q = new URLSearchParams(location.search);
const token = new URLSearchParams((q.get('path') || '').replace(/^[^?]*\\?/, '')).get('token') || q.get('token') || '';
const url = new URL('websockify?token=' + encodeURIComponent(token), location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const status = document.getElementById('status');
const rfb = new RFB(document.getElementById('screen'), url.href);
rfb.scaleViewport = true;
window.rfb = rfb;
rfb.addEventListener('connect', () => { status.textContent = 'Connected'; document.getElementById('cad').disabled = false; });
rfb.addEventListener('disconnect', (e) => { status.textContent = e.detail.clean ? 'Disconnected' : 'Connection failed (the token may have expired: ask for a new URL)'; });
rfb.addEventListener('desktopname', (e) => { document.title = e.detail.name; });
document.getElementById('cad').onclick = () => rfb.sendCtrlAltDel();
</script></body></html>`;
}

/** A connection to the guest's VNC server: qemu's unix socket, or the fake guest's screen in this process. */
function reach(endpoint: { socket: string } | { open: () => Duplex }): Promise<Duplex | undefined> {
  if ('open' in endpoint) return Promise.resolve(endpoint.open());
  return new Promise((resolve) => {
    const vnc = createConnection(endpoint.socket);
    vnc.once('error', () => resolve(undefined));
    vnc.once('connect', () => {
      vnc.removeAllListeners('error');
      resolve(vnc);
    });
  });
}

type TokenLookup = (token: string | undefined) => Promise<{ instance_uuid: string; console_type: string } | undefined>;

/** Serves noVNC's modules and proxies console websockets for the token's guest. */
export async function vncProxyRoutes(app: FastifyInstance, cloud: Cloud, lookup: TokenLookup): Promise<void> {
  app.get('/console/novnc/*', { config: { public: true } }, async (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const data = await asset(rel);
    if (!data) return reply.code(404).type('text/plain').send('Not found');
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(data);
  });

  // noVNC offers 'binary' or nothing; answer what it offers
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('binary') ? 'binary' : false) });
  const server = app.server;
  const refuse = (sock: Duplex, code: number, text: string) => {
    sock.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  const onUpgrade = (req: IncomingMessage, sock: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.endsWith('/compute/console/websockify')) {
      if (server.listenerCount('upgrade') === 1) refuse(sock, 404, 'Not Found');
      return;
    }
    void (async () => {
      const row = await lookup(url.searchParams.get('token') ?? undefined);
      if (row?.console_type !== 'novnc') return refuse(sock, 401, 'Unauthorized');
      const endpoint = await computeDriver(cloud)
        .console(row.instance_uuid, 'vnc')
        .catch(() => undefined);
      if (endpoint?.kind !== 'vnc' || 'port' in endpoint) return refuse(sock, 404, 'Not Found');
      const vnc = await reach(endpoint);
      if (!vnc) return refuse(sock, 502, 'Bad Gateway');
      wss.handleUpgrade(req, sock, head, (ws) => {
        vnc.on('data', (d) => ws.send(d, { binary: true }));
        ws.on('message', (d: Buffer) => vnc.write(d));
        vnc.on('close', () => ws.close());
        vnc.on('error', () => ws.terminate());
        ws.on('close', () => vnc.destroy());
        ws.on('error', () => vnc.destroy());
      });
    })().catch((err) => {
      cloud.log.warn({ err }, 'console proxy failed');
      sock.destroy();
    });
  };
  server.on('upgrade', onUpgrade);
  // before the listener closes: it waits for every connection, and consoles never end by themselves
  app.addHook('preClose', async () => {
    server.off('upgrade', onUpgrade);
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
}
