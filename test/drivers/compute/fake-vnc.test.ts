import { describe, expect, it } from 'vitest';
import { FakeVncServer, SCREEN_COLOUR } from '../../../src/drivers/compute/fake-vnc.js';

// The fake guest's RFB server, driven directly: the corners of RFC 6143 that
// noVNC and Tempest do not reach (older versions, a refused security type,
// another pixel format, RRE, an unknown message).

/** A server with the client's side: what it sent so far, and whether it ended. */
function connect(name = 'instance-00000001') {
  const server = new FakeVncServer(name);
  let out = Buffer.alloc(0);
  let ended = false;
  server.on('data', (d: Buffer) => {
    out = Buffer.concat([out, d]);
  });
  server.on('end', () => {
    ended = true;
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    server,
    /** Writes the client's bytes and returns what the server answered since the last call. */
    async send(bytes: Buffer | number[] | string): Promise<Buffer> {
      await settle();
      out = Buffer.alloc(0);
      server.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes));
      await settle();
      return out;
    },
    ended: () => ended,
  };
}

const request = (incremental: number, x: number, y: number, w: number, h: number) => {
  const b = Buffer.alloc(10);
  b.writeUInt8(3, 0);
  b.writeUInt8(incremental, 1);
  [x, y, w, h].forEach((v, i) => {
    b.writeUInt16BE(v, 2 + 2 * i);
  });
  return b;
};

describe('the fake guest screen (RFB)', () => {
  it('speaks 3.3 when asked: the server names None, no SecurityResult', async () => {
    const c = connect('instance-0000002a');
    expect([...(await c.send('RFB 003.003\n'))]).toEqual([0, 0, 0, 1]);
    const init = await c.send([0]);
    expect(init.readUInt32BE(20)).toBe(17);
    expect(init.subarray(24).toString()).toBe('instance-0000002a');
  });

  it('speaks 3.7: types offered, no SecurityResult for None', async () => {
    const c = connect();
    expect([...(await c.send('RFB 003.007\n'))]).toEqual([1, 1]);
    expect((await c.send([1])).length).toBe(0);
    expect((await c.send([1])).readUInt16BE(0)).toBe(640);
  });

  it('refuses a security type it did not offer, saying why (3.8), and closes', async () => {
    const c = connect();
    await c.send('RFB 003.008\n');
    const result = await c.send([2]);
    expect(result.readUInt32BE(0)).toBe(1);
    expect(result.subarray(8, 8 + result.readUInt32BE(4)).toString()).toMatch(/security type/);
    expect(c.ended()).toBe(true);
  });

  it('closes on a version line that is not RFB', async () => {
    const c = connect();
    await c.send('GET / HTTP/1\n');
    expect(c.ended()).toBe(true);
  });

  it("draws in the client's pixel format, RRE when offered, and holds incremental requests", async () => {
    const c = connect();
    await c.send('RFB 003.008\n');
    await c.send([1]);
    await c.send([1]);
    // SetPixelFormat: 16 bits, depth 16, big-endian, true colour, RGB 565
    const format = Buffer.from([0, 0, 0, 0, 16, 16, 1, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0]);
    // SetEncodings: Raw, RRE, and a pseudo-encoding (DesktopSize)
    const encodings = Buffer.from([2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0x21]);
    expect((await c.send(Buffer.concat([format, encodings]))).length).toBe(0);
    // nothing changes on this screen: an incremental request has no answer
    expect((await c.send(request(1, 0, 0, 640, 480))).length).toBe(0);
    // clipped to the screen: 10x10 at the corner
    const update = await c.send(request(0, 630, 470, 20, 20));
    expect(update.readUInt16BE(2)).toBe(1);
    expect([update.readUInt16BE(4), update.readUInt16BE(6), update.readUInt16BE(8), update.readUInt16BE(10)]).toEqual([
      630, 470, 10, 10,
    ]);
    expect(update.readInt32BE(12)).toBe(2); // RRE
    expect(update.readUInt32BE(16)).toBe(0); // no subrectangles: all background
    const [r, g, b] = SCREEN_COLOUR;
    const rgb565 = (Math.round((r * 31) / 255) << 11) | (Math.round((g * 63) / 255) << 5) | Math.round((b * 31) / 255);
    expect(update.readUInt16BE(20)).toBe(rgb565);
    expect(update.length).toBe(22);
    // input is taken and ignored: KeyEvent, PointerEvent, ClientCutText
    const cut = Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 5]), Buffer.from('hello')]);
    const input = Buffer.concat([Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]), Buffer.from([5, 0, 0, 1, 0, 1]), cut]);
    expect((await c.send(input)).length).toBe(0);
    expect(c.ended()).toBe(false);
    // an unknown message type cannot be skipped: the connection ends
    await c.send([99]);
    expect(c.ended()).toBe(true);
  });
});
