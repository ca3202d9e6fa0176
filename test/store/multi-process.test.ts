import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase, onPostgres, passwordAuthByName, testDatabase } from '../helpers.js';

// Two real pocketstack processes on one PostgreSQL database and one data dir:
// requests spread over both, a token from one valid on the other, exactly one
// runs the tasks, and when it is killed with kill -9 the other takes over and
// finishes the server create the dead one had in flight.

const bin = join(__dirname, '../../bin/pocketstack.js');
const FAKE = ['--network-driver', 'fake', '--compute-driver', 'fake', '--default-image', 'blank', '--no-host-setup'];

interface Proc {
  child: ChildProcess;
  url: string;
  out: () => string;
}

function startProcess(dataDir: string, database: string): Promise<Proc> {
  const env = { ...process.env };
  delete env.POCKETSTACK_PASSWORD;
  delete env.POCKETSTACK_DATA_DIR;
  const child = spawn(
    process.execPath,
    [bin, 'start', ...FAKE, '--faults', '--port', '0', '--data-dir', dataDir, '--database', database],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /is running on (http:\/\/\S+) /.exec(out);
      if (m) {
        child.stdout?.off('data', check);
        resolve({ child, url: m[1], out: () => out });
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`pocketstack exited (${code}) before it answered:\n${out}`)));
  });
}

async function json(url: string, init: RequestInit & { token?: string; microversion?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers['x-auth-token'] = init.token;
  if (init.microversion) headers['openstack-api-version'] = `compute ${init.microversion}`;
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Polls `get` until `done` holds, at most `tries` times, `everyMs` apart; returns the last value. */
async function until<T>(get: () => Promise<T>, done: (v: T) => boolean, tries: number, everyMs = 250): Promise<T> {
  let v = await get();
  for (let i = 0; i < tries && !done(v); i++) {
    await new Promise((r) => setTimeout(r, everyMs));
    v = await get();
  }
  return v;
}

describe.skipIf(!onPostgres)(
  'several processes on one PostgreSQL (skipped: PostgreSQL only, run through scripts/postgres-test.sh)',
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-multi-'));
    const database = testDatabase(dataDir);
    const procs: Proc[] = [];

    beforeAll(() => {
      // builds dist/ when src/ is newer (bin does this in a checkout), once
      const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', timeout: 300_000 });
      expect(r.status, r.stderr).toBe(0);
    }, 320_000);

    afterAll(async () => {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await dropTestDatabase(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('serve one cloud; the leader killed with kill -9, the other finishes its server create', async () => {
      const a = await startProcess(dataDir, database);
      procs.push(a);
      const b = await startProcess(dataDir, database);
      procs.push(b);
      expect(b.out()).toMatch(/beside pid \d+ on the same database \(that one runs the tasks/);

      // a token from one is valid on the other
      const auth = await fetch(`${a.url}/identity/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(passwordAuthByName('admin')),
      });
      expect(auth.status).toBe(201);
      const token = auth.headers.get('x-subject-token')!;
      const check = await fetch(`${b.url}/identity/v3/auth/tokens`, {
        headers: { 'x-auth-token': token, 'x-subject-token': token },
      });
      expect(check.status).toBe(200);

      // requests spread over both see one state
      const made = await json(`${a.url}/networking/v2.0/networks`, {
        method: 'POST',
        token,
        body: JSON.stringify({ network: { name: 'shared-net' } }),
      });
      expect(made.status).toBe(201);
      for (const p of [a, b, a, b]) {
        const list = await json(`${p.url}/networking/v2.0/networks?name=shared-net`, { token });
        expect(list.body.networks.map((n: { id: string }) => n.id)).toEqual([made.body.network.id]);
      }

      // the leader (a) stalls in the scheduler on the next build; b takes the create
      const fault = await json(`${a.url}/pocketstack/v1/faults`, {
        method: 'POST',
        token,
        body: JSON.stringify({ fault: { step: 'compute.schedule', action: 'slow', delay_ms: 600_000 } }),
      });
      expect(fault.status).toBe(201);
      const image = (await json(`${b.url}/image/v2/images`, { token })).body.images[0];
      const flavor = (await json(`${b.url}/compute/v2.1/flavors`, { token })).body.flavors[0];
      const created = await json(`${b.url}/compute/v2.1/servers`, {
        method: 'POST',
        token,
        microversion: '2.37',
        body: JSON.stringify({
          server: { name: 'in-flight', imageRef: image.id, flavorRef: flavor.id, networks: 'none' },
        }),
      });
      expect(created.status).toBe(202);
      const id = created.body.server.id;
      // the rule is used up once a's task runner is inside the stalled step
      const faults = await until(
        async () => (await json(`${a.url}/pocketstack/v1/faults`, { token })).body.faults,
        (f) => f.length === 0,
        120,
      );
      expect(faults, 'the leader never started the build').toEqual([]);
      const server = async (p: Proc) =>
        (await json(`${p.url}/compute/v2.1/servers/${id}`, { token, microversion: '2.37' })).body.server;
      expect((await server(b)).status).toBe('BUILD');

      a.child.kill('SIGKILL');
      await new Promise((r) => a.child.once('exit', r));
      const done = await until(
        () => server(b),
        (s) => s.status !== 'BUILD',
        160,
      );
      expect(done.status).toBe('ACTIVE');
      expect((await json(`${b.url}/compute/v2.1/flavors`, { token })).status).toBe(200);
    }, 120_000);

    it('`stop` stops every process of the cloud, also those that joined the first', async () => {
      // b joined a (killed above): c starts as the first again, b stays beside it
      const b = procs[1];
      expect(b.child.exitCode).toBeNull();
      const c = await startProcess(dataDir, database);
      procs.push(c);
      expect(existsSync(join(dataDir, `pocketstack-${b.child.pid}.pid`))).toBe(true);
      const exited = (p: Proc) =>
        p.child.exitCode !== null || p.child.signalCode !== null
          ? Promise.resolve()
          : new Promise((r) => p.child.once('exit', r));
      const env = { ...process.env };
      delete env.POCKETSTACK_DATA_DIR;
      const stopped = spawnSync(process.execPath, [bin, 'stop', '--data-dir', dataDir], {
        encoding: 'utf8',
        env,
        timeout: 60_000,
      });
      expect(stopped.status, stopped.stderr).toBe(0);
      expect(stopped.stdout).toContain(
        `stopped pocketstack (pid ${c.child.pid}, ${c.url}, data dir ${dataDir}) and 1 process on the same database (pid ${b.child.pid})`,
      );
      await Promise.all([exited(b), exited(c)]);
      expect(b.child.signalCode ?? b.child.exitCode).toBe(0);
      expect(c.child.signalCode ?? c.child.exitCode).toBe(0);
      expect(existsSync(join(dataDir, `pocketstack-${b.child.pid}.pid`))).toBe(false);
      expect(existsSync(join(dataDir, 'pocketstack.pid'))).toBe(false);
    }, 120_000);
  },
);
