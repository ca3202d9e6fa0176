import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../cloud.js';

// At the instant a running cloud's snapshot is taken, no request that
// changes state may be midway (a request may take more than one
// transaction): such requests wait at the door (reads go on) and the ones in
// flight finish first. Token issue is let through (one transaction), and so
// are image data uploads, which can take minutes: an image still `saving`
// in a snapshot is recovered at start as after a crash (image/recover.ts).

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UPLOAD = /^\/image\/v2\/images\/[^/]+\/(file|stage)(\?|$)/;

export class WriteGate {
  private inflight = 0;
  private drained: (() => void)[] = [];
  private frozen: Promise<void> | undefined;

  /** The onRequest hook (app level): waits while frozen, then counts the request until its response closes. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (req, reply) => {
      if (
        READS.has(req.method) ||
        req.url.startsWith('/pocketstack/') ||
        req.url.startsWith('/identity/v3/auth/tokens') ||
        UPLOAD.test(req.url)
      )
        return;
      while (this.frozen) await this.frozen;
      this.inflight++;
      // onResponse for every answered request (inject included), close for the ones cut short or hijacked
      let counted = true;
      const done = () => {
        if (!counted) return;
        counted = false;
        this.inflight--;
        if (this.inflight === 0) for (const f of this.drained.splice(0)) f();
      };
      reply.raw.once('close', done);
      (req as unknown as { writeGateDone: () => void }).writeGateDone = done;
    });
    app.addHook('onResponse', async (req) => {
      (req as unknown as { writeGateDone?: () => void }).writeGateDone?.();
    });
  }

  /** Holds new writes and waits (up to timeoutMs) for those in flight; returns the release. */
  async hold(timeoutMs = 60_000): Promise<() => void> {
    while (this.frozen) await this.frozen;
    let release!: () => void;
    this.frozen = new Promise<void>((r) => {
      release = () => {
        this.frozen = undefined;
        r();
      };
    });
    if (this.inflight > 0) {
      const drained = new Promise<void>((r) => this.drained.push(r));
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([drained, timeout])) === 'timeout') {
        release();
        throw new Error(`${this.inflight} request(s) still changing state after ${timeoutMs} ms; try again`);
      }
    }
    return release;
  }
}

const gates = new WeakMap<Cloud, WriteGate>();
export function writeGate(cloud: Cloud): WriteGate {
  let g = gates.get(cloud);
  if (!g) {
    g = new WriteGate();
    gates.set(cloud, g);
  }
  return g;
}
