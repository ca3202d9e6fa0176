import { Duplex } from 'node:stream';

// The fake guest's screen: an RFB 3.8 server (RFC 6143) in this process, one
// per console connection, so that Nova's noVNC console (the page, the
// websocket proxy, a VNC client behind it) works on the fake driver as it
// does on qemu's VNC socket. Security type None; the framebuffer is 640x480
// of one colour and never changes; input is read and ignored. What the
// proxy writes is the client's bytes; what it reads is the server's.

export const FRAMEBUFFER = { width: 640, height: 480 } as const;
/** The screen's one colour (r, g, b): a dark console grey. */
export const SCREEN_COLOUR = [0x20, 0x2a, 0x33] as const;

const SECURITY_NONE = 1;
const ENCODING_RAW = 0;
const ENCODING_RRE = 2;

/** RFC 6143 7.4 PIXEL_FORMAT. */
export interface PixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/** The server's own format (what ServerInit announces): 32 bits, 24 deep, little-endian 0x00RRGGBB. */
const NATIVE: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
};

function encodeFormat(f: PixelFormat): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(f.bitsPerPixel, 0);
  b.writeUInt8(f.depth, 1);
  b.writeUInt8(f.bigEndian ? 1 : 0, 2);
  b.writeUInt8(f.trueColour ? 1 : 0, 3);
  b.writeUInt16BE(f.redMax, 4);
  b.writeUInt16BE(f.greenMax, 6);
  b.writeUInt16BE(f.blueMax, 8);
  b.writeUInt8(f.redShift, 10);
  b.writeUInt8(f.greenShift, 11);
  b.writeUInt8(f.blueShift, 12);
  return b;
}

function decodeFormat(b: Buffer): PixelFormat {
  return {
    bitsPerPixel: b.readUInt8(0),
    depth: b.readUInt8(1),
    bigEndian: b.readUInt8(2) !== 0,
    trueColour: b.readUInt8(3) !== 0,
    redMax: b.readUInt16BE(4),
    greenMax: b.readUInt16BE(6),
    blueMax: b.readUInt16BE(8),
    redShift: b.readUInt8(10),
    greenShift: b.readUInt8(11),
    blueShift: b.readUInt8(12),
  };
}

/** The screen colour as one pixel in the client's format (a colour map holds it at index 0). */
function pixel(f: PixelFormat): Buffer {
  const [r, g, b] = SCREEN_COLOUR;
  const scale = (v: number, max: number) => Math.round((v * max) / 255);
  const value = f.trueColour
    ? ((scale(r, f.redMax) << f.redShift) |
        (scale(g, f.greenMax) << f.greenShift) |
        (scale(b, f.blueMax) << f.blueShift)) >>>
      0
    : 0;
  const out = Buffer.alloc(f.bitsPerPixel / 8);
  if (out.length === 1) out.writeUInt8(value & 0xff);
  else if (out.length === 2) f.bigEndian ? out.writeUInt16BE(value & 0xffff) : out.writeUInt16LE(value & 0xffff);
  else f.bigEndian ? out.writeUInt32BE(value) : out.writeUInt32LE(value);
  return out;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

type Phase = 'version' | 'security' | 'client-init' | 'normal' | 'closed';

/** One VNC client's connection to a fake guest's screen. */
export class FakeVncServer extends Duplex {
  private inbox = Buffer.alloc(0);
  private phase: Phase = 'version';
  private minor = 8;
  private format = NATIVE;
  private rre = false;
  /** Bytes of a ClientCutText still to skip (never kept: it may be long). */
  private skip = 0;

  constructor(private readonly name: string) {
    // as a socket: when the server ends, the connection closes
    super({ allowHalfOpen: false });
    this.push(Buffer.from('RFB 003.008\n', 'latin1'));
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.inbox = Buffer.concat([this.inbox, chunk]);
    while (this.phase !== 'closed' && this.step());
    done();
  }

  /** Handles one whole message from the inbox; false when it needs more bytes. */
  private step(): boolean {
    if (this.skip > 0) {
      const n = Math.min(this.skip, this.inbox.length);
      this.skip -= n;
      this.inbox = this.inbox.subarray(n);
      return this.inbox.length > 0;
    }
    switch (this.phase) {
      case 'version':
        return this.consume(12, (b) => this.version(b.toString('latin1')));
      case 'security':
        return this.consume(1, (b) => this.security(b[0]));
      case 'client-init':
        // the shared flag: any number of viewers may watch a screen that never changes
        return this.consume(1, () => this.serverInit());
      case 'normal':
        return this.message();
      default:
        return false;
    }
  }

  private consume(n: number, then: (b: Buffer) => void): boolean {
    if (this.inbox.length < n) return false;
    const b = this.inbox.subarray(0, n);
    this.inbox = this.inbox.subarray(n);
    then(b);
    return true;
  }

  /** RFC 6143 7.1.1: 3.7 and 3.8 as such; any other version is read as 3.3. */
  private version(v: string): void {
    const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(v);
    if (!m) {
      this.hangUp();
      return;
    }
    this.minor = m[1] === '003' && (m[2] === '007' || m[2] === '008') ? Number(m[2]) : 3;
    if (this.minor === 3) {
      // 3.3: the server names the security type
      this.push(u32(SECURITY_NONE));
      this.phase = 'client-init';
    } else {
      this.push(Buffer.from([1, SECURITY_NONE]));
      this.phase = 'security';
    }
  }

  private security(type: number): void {
    if (type !== SECURITY_NONE) {
      // 3.8 says why; 3.7 just closes
      if (this.minor === 8) {
        const reason = Buffer.from('security type not offered', 'latin1');
        this.push(Buffer.concat([u32(1), u32(reason.length), reason]));
      }
      this.hangUp();
      return;
    }
    // SecurityResult: 3.8 sends it for None too, 3.7 does not
    if (this.minor === 8) this.push(u32(0));
    this.phase = 'client-init';
  }

  private serverInit(): void {
    const name = Buffer.from(this.name, 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt16BE(FRAMEBUFFER.width, 0);
    head.writeUInt16BE(FRAMEBUFFER.height, 2);
    this.push(Buffer.concat([head, encodeFormat(NATIVE), u32(name.length), name]));
    this.phase = 'normal';
  }

  /** RFC 6143 7.5: the client-to-server messages; an unknown type ends the connection (its length is unknown). */
  private message(): boolean {
    const b = this.inbox;
    if (b.length < 1) return false;
    switch (b[0]) {
      case 0: // SetPixelFormat
        return this.consume(20, (m) => this.setPixelFormat(decodeFormat(m.subarray(4))));
      case 2: {
        // SetEncodings
        if (b.length < 4) return false;
        const count = b.readUInt16BE(2);
        return this.consume(4 + 4 * count, (m) => {
          for (let i = 0; i < count; i++) if (m.readInt32BE(4 + 4 * i) === ENCODING_RRE) this.rre = true;
        });
      }
      case 3: // FramebufferUpdateRequest
        return this.consume(10, (m) => {
          // the screen never changes: an incremental request waits for ever, as the RFC allows
          if (m[1] === 0) this.update(m.readUInt16BE(2), m.readUInt16BE(4), m.readUInt16BE(6), m.readUInt16BE(8));
        });
      case 4: // KeyEvent
        return this.consume(8, () => {});
      case 5: // PointerEvent
        return this.consume(6, () => {});
      case 6: // ClientCutText
        return this.consume(8, (m) => {
          this.skip = m.readUInt32BE(4);
        });
      default:
        this.hangUp();
        return false;
    }
  }

  private setPixelFormat(f: PixelFormat): void {
    if (![8, 16, 32].includes(f.bitsPerPixel)) {
      this.hangUp();
      return;
    }
    this.format = f;
    if (!f.trueColour) {
      // SetColourMapEntries: index 0 is the screen colour, 16 bits a channel
      const entry = Buffer.alloc(6);
      SCREEN_COLOUR.forEach((v, i) => {
        entry.writeUInt16BE(v * 257, 2 * i);
      });
      this.push(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 1]), entry]));
    }
  }

  /** FramebufferUpdate of the requested area (within the screen): one RRE rectangle when the client takes it, else Raw. */
  private update(x: number, y: number, w: number, h: number): void {
    const width = Math.max(0, Math.min(w, FRAMEBUFFER.width - x));
    const height = Math.max(0, Math.min(h, FRAMEBUFFER.height - y));
    const header = Buffer.alloc(4);
    header.writeUInt16BE(width && height ? 1 : 0, 2);
    if (!width || !height) return void this.push(header);
    const rect = Buffer.alloc(12);
    rect.writeUInt16BE(x, 0);
    rect.writeUInt16BE(y, 2);
    rect.writeUInt16BE(width, 4);
    rect.writeUInt16BE(height, 6);
    rect.writeInt32BE(this.rre ? ENCODING_RRE : ENCODING_RAW, 8);
    const p = pixel(this.format);
    // RRE: no subrectangles on the background; Raw: every pixel
    const body = this.rre ? Buffer.concat([u32(0), p]) : Buffer.alloc(width * height * p.length, p);
    this.push(Buffer.concat([header, rect, body]));
  }

  private hangUp(): void {
    this.phase = 'closed';
    this.push(null);
  }
}
