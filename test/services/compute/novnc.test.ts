import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { FakeVncServer, FRAMEBUFFER, SCREEN_COLOUR } from '../../../src/drivers/compute/fake-vnc.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, fake, show } from './util.js';

// Nova's noVNC console on the fake driver, as Tempest's test_novnc reaches it:
// the URL's page, then a websocket on the URL's `path` (from the host's root)
// and an RFB 3.8 handshake through it, then one framebuffer update.

/** Bytes from a websocket read in the sizes asked, whatever its frames. */
function byteReader(ws: WebSocket) {
  let inbox = Buffer.alloc(0);
  let closed = false;
  let wake = () => {};
  ws.on('message', (d: Buffer) => {
    inbox = Buffer.concat([inbox, d]);
    wake();
  });
  ws.on('close', () => {
    closed = true;
    wake();
  });
  return async (n: number): Promise<Buffer> => {
    while (inbox.length < n) {
      if (closed) throw new Error(`closed with ${inbox.length} of ${n} bytes`);
      await new Promise<void>((r) => {
        wake = r;
      });
    }
    const out = inbox.subarray(0, n);
    inbox = inbox.subarray(n);
    return out;
  };
}

/** A websocket as noVNC opens it, with its reader attached before any frame can arrive. */
function open(url: string): Promise<{ ws: WebSocket; read: (n: number) => Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary']);
    const read = byteReader(ws);
    ws.once('open', () => resolve({ ws, read }));
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      reject(new Error(`refused: ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

describe('compute: the noVNC console of a fake guest', () => {
  let t: TestCloud;
  let id: string;
  let root: string;
  beforeAll(async () => {
    t = await testCloud();
    await t.cloud.app.listen({ host: '127.0.0.1', port: 0 });
    root = `http://127.0.0.1:${(t.cloud.app.server.address() as AddressInfo).port}`;
    id = await boot(t, 'demo', { name: 'screen', imageRef: await cirros(t), flavorRef: '42' });
  });
  let left: WebSocket | undefined;
  afterAll(async () => {
    const ended = left && new Promise((r) => left?.once('close', r));
    await t.close();
    await ended;
  });

  /** A new console URL, on the listener. */
  const consoleUrl = async () => {
    const res = await action(t, 'demo', id, { 'os-getVNCConsole': { type: 'novnc' } });
    expect(res.statusCode, res.body).toBe(200);
    const given = new URL(res.json().console.url);
    return new URL(`${given.pathname}${given.search}`, root);
  };
  /** The websocket URL noVNC (and Tempest) opens: the `path` parameter from the host's root. */
  const websocketOf = (url: URL) => `${root.replace(/^http/, 'ws')}/${url.searchParams.get('path')}`;

  it('serves the noVNC page and an RFB 3.8 screen behind the websocket', async () => {
    const url = await consoleUrl();
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<html.*>/);
    expect(html).toContain('noVNC');
    expect(html).toContain('<script');
    expect(url.searchParams.get('path')).toMatch(/^compute\/console\/websockify\?token=[\w-]+$/);

    const { ws, read } = await open(websocketOf(url));
    const send = (bytes: number[] | Buffer) => ws.send(Buffer.from(bytes));
    expect((await read(12)).toString('latin1')).toBe('RFB 003.008\n');
    send(Buffer.from('RFB 003.008\n', 'latin1'));
    // one security type: None
    expect([...(await read(2))]).toEqual([1, 1]);
    send([1]);
    expect([...(await read(4))]).toEqual([0, 0, 0, 0]);
    send([1]); // ClientInit, shared
    const init = await read(24);
    expect(init.readUInt16BE(0)).toBe(640);
    expect(init.readUInt16BE(2)).toBe(480);
    // 32 bits a pixel, depth 24, little-endian, true colour, 8 bits a channel at 16/8/0
    expect([...init.subarray(4, 16)]).toEqual([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8]);
    expect(init.readUInt8(16)).toBe(0);
    const name = (await read(init.readUInt32BE(20))).toString('utf8');
    const admin = await t.call({ method: 'GET', url: `${base}/servers/${id}`, as: 'admin' });
    expect(name).toBe(admin.json().server['OS-EXT-SRV-ATTR:instance_name']);

    // FramebufferUpdateRequest, not incremental, of the whole screen: one Raw rectangle
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0);
    request.writeUInt16BE(640, 6);
    request.writeUInt16BE(480, 8);
    send(request);
    const head = await read(16);
    expect(head.readUInt8(0)).toBe(0); // FramebufferUpdate
    expect(head.readUInt16BE(2)).toBe(1);
    expect([head.readUInt16BE(4), head.readUInt16BE(6), head.readUInt16BE(8), head.readUInt16BE(10)]).toEqual([
      0, 0, 640, 480,
    ]);
    expect(head.readInt32BE(12)).toBe(0); // Raw
    const pixels = await read(FRAMEBUFFER.width * FRAMEBUFFER.height * 4);
    const [r, g, b] = SCREEN_COLOUR;
    const expected = Buffer.from([b, g, r, 0]); // 0x00RRGGBB little-endian
    expect(pixels.equals(Buffer.alloc(pixels.length, expected))).toBe(true);
    ws.close();
  });

  it('refuses a bad token, on the websocket and on the page', async () => {
    const url = await consoleUrl();
    const path = url.searchParams.get('path') ?? '';
    // Tempest's test_novnc_bad_token: the token in `path` changed
    const bad = new URL(url);
    bad.searchParams.set('path', path.replace('token=', 'token=bad'));
    await expect(open(websocketOf(bad))).rejects.toThrow('refused: 401');
    await expect(open(`${root.replace(/^http/, 'ws')}/compute/console/websockify`)).rejects.toThrow('refused: 401');
    expect((await fetch(bad)).status).toBe(401);
    // the good one still opens
    const { ws, read } = await open(websocketOf(url));
    expect((await read(12)).toString('latin1')).toBe('RFB 003.008\n');
    ws.close();
  });

  it("splices the websocket to a VNC server on a unix socket, as qemu's, and answers 502 when none listens", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocketstack-vnc-'));
    const socket = join(dir, 'vnc.sock');
    // qemu's place: a VNC server on a unix socket (here the fake screen behind it)
    const vnc = createServer((c) => c.pipe(new FakeVncServer('instance-on-a-socket')).pipe(c));
    await new Promise<void>((r) => vnc.listen(socket, r));
    const spy = vi.spyOn(fake(t), 'console').mockResolvedValue({ kind: 'vnc', socket });
    try {
      const url = await consoleUrl();
      const { ws, read } = await open(websocketOf(url));
      expect((await read(12)).toString('latin1')).toBe('RFB 003.008\n');
      ws.send(Buffer.from('RFB 003.003\n', 'latin1'));
      expect([...(await read(4))]).toEqual([0, 0, 0, 1]);
      ws.send(Buffer.from([1]));
      const init = await read(24);
      expect((await read(init.readUInt32BE(20))).toString()).toBe('instance-on-a-socket');
      ws.close();
      await new Promise((r) => vnc.close(r));
      await expect(open(websocketOf(url))).rejects.toThrow('refused: 502');
    } finally {
      spy.mockRestore();
      vnc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has no screen while the guest is stopped: the page is its log, the websocket refused', async () => {
    expect((await action(t, 'demo', id, { 'os-stop': null })).statusCode).toBe(202);
    expect((await show(t, 'demo', id)).status).toBe('SHUTOFF');
    const url = await consoleUrl();
    const html = await (await fetch(url)).text();
    expect(html).toContain('serial console');
    await expect(open(websocketOf(url))).rejects.toThrow('refused: 404');
    expect((await action(t, 'demo', id, { 'os-start': null })).statusCode).toBe(202);
    const { ws, read } = await open(websocketOf(url));
    expect((await read(12)).toString('latin1')).toBe('RFB 003.008\n');
    // left open: the cloud's close ends it (a console never ends by itself)
    left = ws;
  });
});
