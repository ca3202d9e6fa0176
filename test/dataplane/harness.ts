import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { removeAllOnHost } from '../../src/drivers/network/linux/driver.js';
import { argv, run } from '../../src/host/exec.js';
import { hostTag } from '../../src/host/names.js';
import { listNamespaces, removeNamespace } from '../../src/host/netns.js';
import { passwordAuthByName } from '../helpers.js';

// The data-plane test harness: one real pocketstack (the CLI, as a child
// process) with the linux network driver on its own data dir (so its own
// host tag) and a random floating range, guests as network namespaces
// plugged into ports, and a cleanup that leaves the host as it was, also
// when a test failed halfway.

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pocketstack.js');

/** A free 172.24.N.0/24 (never DevStack's 172.24.4.0/24, nor one the host already has an address in). */
async function freeFloatingRange(): Promise<string> {
  const used = await run('ip', ['-j', 'addr', 'show']);
  for (let i = 0; i < 50; i++) {
    const n = 10 + Math.floor(Math.random() * 240);
    if (n === 4 || used.includes(`"172.24.${n}.`)) continue;
    return `172.24.${n}.0/24`;
  }
  throw new Error('no free 172.24.N.0/24');
}

export interface Guest {
  ns: string;
  /** A command inside the guest, as an argument array; resolves with its stdout. */
  exec(cmd: string, args: string[], timeoutMs?: number): Promise<string>;
}

export class DataplaneCloud {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-dataplane-'));
  readonly tag = hostTag(this.dataDir);
  floatingRange = '';
  /** More `pocketstack start` options (e.g. --compute-driver fake). */
  startArgs: string[] = [];
  url = '';
  private child: ChildProcess | undefined;
  private token = '';
  private guests = new Set<string>();
  private servers = new Set<ChildProcess>();
  private counter = 0;

  async start(): Promise<void> {
    if (!this.floatingRange) this.floatingRange = await freeFloatingRange();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'start',
        '--port',
        '0',
        '--data-dir',
        this.dataDir,
        '--network-driver',
        'linux',
        '--floating-range',
        this.floatingRange,
        '--log-level',
        'debug',
        '--default-image',
        'blank',
        ...this.startArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`pocketstack did not start: ${out}`)), 60_000);
      const take = (d: Buffer) => {
        out += d;
        const m = /running on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout!.on('data', take);
      child.stderr!.on('data', take);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`pocketstack exited ${code}: ${out}`));
      });
    });
    this.token = '';
  }

  /** SIGTERM (a clean stop) or SIGKILL (a crash); waits for the process to end. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  }

  /** The CLI against this cloud's data dir (port plug, reset, status). */
  cli(args: string[], timeoutMs = 60_000): Promise<string> {
    return run(process.execPath, [BIN, ...args, '--data-dir', this.dataDir], { timeoutMs });
  }

  private async authToken(): Promise<string> {
    if (this.token) return this.token;
    const res = await fetch(`${this.url}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordAuthByName('admin')),
    });
    if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
    this.token = res.headers.get('x-subject-token')!;
    return this.token;
  }

  /** A Neutron call as admin; throws on an error status. */
  neutron(method: string, path: string, body?: unknown): Promise<any> {
    return this.call(method, `/networking/v2.0/${path}`, body);
  }

  /** Any API call as admin (path from the root, e.g. /compute/v2.1/servers); throws on an error status. */
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        'x-auth-token': await this.authToken(),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Deletes the server and waits (at most a minute) until Nova no longer knows it; never throws (for afterAll). */
  async deleteServer(id: string | undefined): Promise<void> {
    if (!id) return;
    const path = `/compute/v2.1/servers/${id}`;
    await this.call('DELETE', path).catch(() => {});
    const gone = () =>
      this.call('GET', path).then(
        () => false,
        () => true,
      );
    await until('server deleted', gone, (g) => g, 60_000).catch(() => {});
  }

  /**
   * Waits until the data plane has applied every change the API accepted so
   * far: no `network.sync` task left in the store (a task ends when the
   * driver has applied it).
   */
  async settled(): Promise<void> {
    const db = new SQLite(join(this.dataDir, 'pocketstack.db'), { readonly: true, fileMustExist: true });
    try {
      const left = () =>
        (db.prepare("select count(*) as n from tasks where kind = 'network.sync'").get() as { n: number }).n;
      for (let i = 0; i < 300 && left() > 0; i++) await new Promise((r) => setTimeout(r, 100));
      if (left() > 0) throw new Error('the data plane did not settle in 30 s');
    } finally {
      db.close();
    }
  }

  /** A new guest namespace (named after this cloud's tag, so cleanup finds it). */
  guest(): Guest {
    const ns = `pst-${this.tag}-g${++this.counter}`;
    this.guests.add(ns);
    return { ns, exec: (cmd, args, timeoutMs = 15_000) => run(cmd, args, { netns: ns, timeoutMs }) };
  }

  /** `pocketstack port plug PORT --netns <guest>` once the data plane has settled: its output. */
  async plug(portId: string, g: Guest): Promise<string> {
    await this.settled();
    return this.cli(['port', 'plug', portId, '--netns', g.ns]);
  }

  /**
   * A TCP server in the namespace ('' for the host) that answers every
   * connection with the peer address it saw, then closes: what an outside
   * machine or a guest sees of who connected.
   */
  async whoamiServer(ns: string, port: number): Promise<void> {
    const code = `require('net').createServer((s) => { s.on('error', () => {}); s.end(s.remoteAddress.replace(/^::ffff:/, '')); }).listen(${port}, () => console.log('ready'))`;
    const full = ns ? argv(process.execPath, ['-e', code], { netns: ns }) : [process.execPath, '-e', code];
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    this.servers.add(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (c) => reject(new Error(`server in ${ns} exited ${c}`)));
    });
  }

  /** Connects from the namespace to host:port and returns what the whoami server said. */
  async whoami(ns: string, host: string, port: number): Promise<string> {
    const code = `const s = require('net').connect(${port}, '${host}'); let d = ''; s.on('data', (x) => (d += x)); s.on('end', () => console.log(d)); s.setTimeout(4000, () => { console.error('timeout'); process.exit(1); });`;
    return (await run(process.execPath, ['-e', code], { netns: ns || undefined, timeoutMs: 8000 })).trim();
  }

  /** Everything this cloud and its tests made goes: processes, guests, host objects, the data dir. */
  async cleanup(): Promise<void> {
    for (const s of this.servers) s.kill('SIGKILL');
    this.servers.clear();
    await this.stop('SIGTERM').catch(() => {});
    await this.cli(['reset', '--yes']).catch(() => {});
    await removeAllOnHost(this.dataDir).catch(() => {});
    for (const ns of await listNamespaces())
      if (this.guests.has(ns) || ns.startsWith(`pst-${this.tag}-`)) await removeNamespace(ns).catch(() => {});
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `fn` until it resolves without throwing (bounded); returns its value or throws its last error. */
export async function eventually<T>(fn: () => Promise<T>, tries = 40, everyMs = 250): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
  throw last;
}

/** Calls `fn` every half second until `pred` holds of its answer; throws with the last answer after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T>, pred: (v: T) => boolean, ms = 300_000): Promise<T> {
  const end = Date.now() + ms;
  let last = await fn();
  while (!pred(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last).slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
    last = await fn();
  }
  return last;
}
