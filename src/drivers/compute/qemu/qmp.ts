import { createConnection, type Socket } from 'node:net';
import { PowerState, type PowerStateValue } from '../driver.js';

// A QMP client over qemu's unix socket: one short connection per use
// (qemu 7 serves one monitor client at a time, so the driver serialises its
// calls per guest). Commands and asynchronous events (DEVICE_DELETED,
// SHUTDOWN, ...) arrive on the same stream, one JSON object per line.

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly klass: string,
    desc: string,
  ) {
    super(`QMP ${command}: ${klass}: ${desc}`);
    this.name = 'QmpError';
  }
}

type Pending = { command: string; resolve: (v: unknown) => void; reject: (e: Error) => void };

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

export class Qmp {
  private buf = '';
  private pending: Pending[] = [];
  private events: QmpEvent[] = [];
  private waiters: { match: (e: QmpEvent) => boolean; resolve: (e: QmpEvent) => void }[] = [];
  private closed?: Error;
  private greeted!: Promise<void>;

  private constructor(private readonly sock: Socket) {}

  /** Connects, reads the greeting and leaves capabilities negotiation done. */
  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const sock = createConnection(path);
    const q = new Qmp(sock);
    q.greeted = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QMP ${path}: no greeting in ${timeoutMs} ms`)), timeoutMs);
      q.onGreeting = () => {
        clearTimeout(timer);
        resolve();
      };
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => q.feed(d));
    sock.on('error', (e) => q.fail(e));
    sock.on('close', () => q.fail(new Error('QMP connection closed')));
    try {
      await q.greeted;
      await q.execute('qmp_capabilities');
    } catch (e) {
      sock.destroy();
      throw e;
    }
    return q;
  }

  private onGreeting: () => void = () => {};

  private feed(d: string): void {
    this.buf += d;
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if ('QMP' in msg) this.onGreeting();
      else if ('event' in msg) this.event(msg as unknown as QmpEvent);
      else if ('return' in msg || 'error' in msg) {
        const p = this.pending.shift();
        if (!p) continue;
        if ('error' in msg) {
          const err = msg.error as { class?: string; desc?: string };
          p.reject(new QmpError(p.command, err.class ?? 'GenericError', err.desc ?? ''));
        } else p.resolve(msg.return);
      }
    }
  }

  private event(e: QmpEvent): void {
    const w = this.waiters.find((x) => x.match(e));
    if (w) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(e);
    } else this.events.push(e);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    for (const p of this.pending.splice(0)) p.reject(e);
  }

  /** Runs a command and resolves with its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QMP ${command}: no answer in ${timeoutMs} ms`)), timeoutMs);
      this.pending.push({
        command,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.sock.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
    });
  }

  /** Resolves with the first event (already received or to come) that matches, or rejects at the timeout. */
  waitEvent(match: (e: QmpEvent) => boolean, timeoutMs: number): Promise<QmpEvent> {
    const seen = this.events.find(match);
    if (seen) {
      this.events.splice(this.events.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const w = {
        match,
        resolve: (e: QmpEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`QMP: no matching event in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Whether the connection is gone (qemu exited, e.g. after `quit`). */
  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Opens a connection, runs `fn`, closes. */
export async function withQmp<T>(path: string, fn: (q: Qmp) => Promise<T>): Promise<T> {
  const q = await Qmp.connect(path);
  try {
    return await fn(q);
  } finally {
    q.close();
  }
}

/** qemu's run state → Nova's power state (as libvirt's domain states map). */
export function runStatePower(status: string): PowerStateValue {
  switch (status) {
    case 'running':
      return PowerState.RUNNING;
    case 'paused':
    case 'prelaunch':
    case 'inmigrate':
    case 'postmigrate':
    case 'finish-migrate':
    case 'save-vm':
    case 'restore-vm':
    case 'debug':
    case 'io-error':
      return PowerState.PAUSED;
    case 'shutdown':
      return PowerState.SHUTDOWN;
    case 'suspended':
      return PowerState.SUSPENDED;
    case 'internal-error':
    case 'guest-panicked':
      return PowerState.CRASHED;
    default:
      return PowerState.NOSTATE;
  }
}
