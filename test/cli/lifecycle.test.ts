import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real bin against temp data dirs: what a user types, what CI scripts do.

const bin = join(__dirname, '../../bin/pocketstack.js');
const env = { ...process.env, POCKETSTACK_PASSWORD: '', POCKETSTACK_DATA_DIR: '' };
delete (env as Record<string, string | undefined>).POCKETSTACK_PASSWORD;
delete (env as Record<string, string | undefined>).POCKETSTACK_DATA_DIR;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeoutS = 120, more: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { ...env, ...more },
    encoding: 'utf8',
    timeout: timeoutS * 1000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A start that fails as a user can fix: exit 1, one line on stderr (no stack trace), nothing on stdout. */
function expectOneLineError(r: Run, pattern: RegExp): void {
  expect(r.code, `killed or hung: ${r.stderr}`).toBe(1);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^pocketstack: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).toMatch(pattern);
}

// the fakes, no host setup (tests run as root on CI), no image build
const FAKE = ['--network-driver', 'fake', '--compute-driver', 'fake', '--default-image', 'blank', '--no-host-setup'];

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pocketstack-lifecycle-'));
  dirs.push(d);
  return d;
}

/** Whether pid runs (a zombie, dead but not yet reaped by whoever adopted the detached process, does not). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

beforeAll(() => {
  // builds dist/ when src/ is newer (bin does this in a checkout), once, outside the timed tests
  const r = cli(['--version'], 300);
  expect(r.code, r.stderr).toBe(0);
}, 320_000);

afterAll(() => {
  for (const d of dirs.splice(0)) {
    // a failed test must not leave a cloud running
    if (existsSync(join(d, 'pocketstack.pid'))) cli(['stop', '--data-dir', d, '--timeout', '10']);
    rmSync(d, { recursive: true, force: true });
  }
}, 60_000);

async function token(url: string, password: string): Promise<number> {
  const res = await fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { id: 'default' }, password } },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
  return res.status;
}

describe('cli: start --detach, wait, status, stop (the real bin)', () => {
  it('runs in the background until stopped; wait and status say so by exit code', async () => {
    const dir = dataDir();
    const dd = ['--data-dir', dir];
    expect(cli(['status', ...dd]).code).toBe(3);
    const early = cli(['wait', ...dd, '--timeout', '1']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^not ready after 1 s: nothing has started on data dir/);

    const started = cli(['start', ...dd, '--port', '0', '--detach', '--log-requests', ...FAKE]);
    expect(started.code, started.stderr).toBe(0);
    const pid = Number(/running in the background \(pid (\d+)\)/.exec(started.stdout)?.[1]);
    const url = /pocketstack is running on (http:\/\/\S+)/.exec(started.stdout)?.[1];
    expect(alive(pid)).toBe(true);
    expect(url).toBeDefined();
    expect(readFileSync(join(dir, 'pocketstack.pid'), 'utf8').trim()).toBe(String(pid));
    // the banner's commands name this data dir and a program that runs from anywhere (not npx)
    expect(started.stdout).not.toContain('npx');
    expect(started.stdout).toContain(`openrc admin admin --data-dir ${dir}`);
    expect(started.stdout).toMatch(new RegExp(`stop --data-dir ${dir}`));

    const ready = cli(['wait', ...dd, '--timeout', '60']);
    expect(ready.code, ready.stderr).toBe(0);
    expect(ready.stdout.trim()).toBe(`ready: ${url}`);
    const st = cli(['status', ...dd]);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain(`running   ${url} (pid ${pid}, since`);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', pid, data_dir: dir, drivers: { network: 'fake' } });
    // --log-requests: the request's line on the console (console.log after --detach) and in the log
    const res = await fetch(`${url}/compute/v2.1/servers`);
    const reqId = res.headers.get('x-openstack-request-id');
    expect(res.status).toBe(401);
    expect(reqId).toMatch(/^req-/);
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(join(dir, 'console.log'), 'utf8')).toMatch(
      new RegExp(`GET /compute/v2\\.1/servers 401 [\\d.]+ ms ${reqId} project=-`),
    );

    // a second start on the same data dir, and one on the same port
    expectOneLineError(cli(['start', ...dd, '--port', '0', ...FAKE]), /already runs on data dir .* \(pid \d+/);
    const port = new URL(url!).port;
    expectOneLineError(
      cli(['start', '--data-dir', dataDir(), '--port', port, ...FAKE]),
      new RegExp(
        `port ${port} on 127\\.0\\.0\\.1 is in use by another pocketstack \\(pid ${pid}, data dir ${dir}\\).*--port 0`,
      ),
    );

    const stopped = cli(['stop', ...dd]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(`stopped pocketstack (pid ${pid}, ${url}, data dir ${dir})`);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'pocketstack.pid'))).toBe(false);
    expect(cli(['status', ...dd]).code).toBe(3);
    expect(cli(['wait', ...dd, '--timeout', '1']).code).toBe(1);
    const again = cli(['stop', ...dd]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^pocketstack is not running/);

    // --admin-password on a later start changes the seeded users' password, and says so
    const restarted = cli(['start', ...dd, '--port', '0', '--detach', '--admin-password', 'n3w-pass', ...FAKE]);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('the password of admin, demo, alt_demo is now the one given (--admin-password)');
    const url2 = /pocketstack is running on (http:\/\/\S+)/.exec(restarted.stdout)![1];
    expect(await token(url2, 'n3w-pass')).toBe(201);
    expect(await token(url2, 'secret')).toBe(401);
    expect(cli(['openrc', 'admin', 'admin', ...dd]).stdout).toContain('export OS_PASSWORD=n3w-pass');
    expect(cli(['stop', ...dd]).code).toBe(0);

    // the database deleted by hand: the next start seeds again, default image included
    for (const f of ['pocketstack.db', 'pocketstack.db-wal', 'pocketstack.db-shm'])
      rmSync(join(dir, f), { force: true });
    expect(cli(['start', ...dd, '--port', '0', '--detach', ...FAKE]).code).toBe(0);
    expect(cli(['stop', ...dd]).code).toBe(0);
    expect(cli(['status', ...dd]).stdout).toMatch(/^state {5}projects 4, users 3, images 1, /m);
  }, 300_000);
});

describe('cli: start-up errors are one line with the fix', () => {
  it('data dir that is a file, under /proc, or below a file', () => {
    const file = join(dataDir(), 'a-file');
    writeFileSync(file, '');
    expectOneLineError(
      cli(['start', '--data-dir', file, ...FAKE]),
      /data dir .*a-file is a file, not a directory: choose another with --data-dir/,
    );
    expectOneLineError(cli(['start', '--data-dir', join(file, 'below'), ...FAKE]), /a-file is a file, not a directory/);
    // Node's recursive mkdir never returns under /proc
    expectOneLineError(
      cli(['start', '--data-dir', '/proc/pocketstack', ...FAKE], 30),
      /is under \/proc, which holds no files of yours/,
    );
  });

  it('data dir not writable', () => {
    const dir = dataDir();
    chmodSync(dir, 0o555);
    // root writes anywhere: as root, the start runs as nobody
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const r = spawnSync(
      asUser[0] ?? process.execPath,
      [...asUser.slice(1), ...(asUser.length ? [process.execPath] : []), bin, 'start', '--data-dir', dir, ...FAKE],
      {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expectOneLineError(
      { code: r.status, stdout: r.stdout, stderr: r.stderr },
      /is not writable \(EACCES\): give yourself write access/,
    );
  });

  it('a SQLite start beside processes that joined on PostgreSQL, the first of them gone', () => {
    const dir = dataDir();
    // a live process whose command line names pocketstack stands in for one that joined
    const joined = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'pocketstack-joined'], {
      stdio: 'ignore',
    });
    try {
      writeFileSync(join(dir, `pocketstack-${joined.pid}.pid`), `${joined.pid}\n`);
      writeFileSync(
        join(dir, 'pocketstack.json'),
        JSON.stringify({ url: 'http://127.0.0.1:1', pid: 0, region: 'RegionOne', database: 'postgres://ps@db/cloud' }),
      );
      expectOneLineError(
        cli(['start', '--data-dir', dir, '--port', '0', ...FAKE]),
        new RegExp(`already runs on data dir .* \\(pid ${joined.pid}, on PostgreSQL postgres://ps@db/cloud\\).*stop`),
      );
      expect(existsSync(join(dir, 'pocketstack.db'))).toBe(false);
    } finally {
      joined.kill('SIGKILL');
    }
  }, 120_000);

  it('port in use by another program (the port from POCKETSTACK_PORT)', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      // spawnSync would block the loop the server needs; the kernel still refuses the bind
      expectOneLineError(
        cli(['start', '--data-dir', dataDir(), ...FAKE], 120, { POCKETSTACK_PORT: String(port) }),
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by another program: start with --port 0`),
      );
    } finally {
      server.close();
    }
  }, 120_000);

  it('a corrupt database, and one from a newer version; status does not crash on them', () => {
    const corrupt = dataDir();
    writeFileSync(join(corrupt, 'pocketstack.db'), 'not a database, but long enough to be read as one '.repeat(100));
    expectOneLineError(
      cli(['start', '--data-dir', corrupt, ...FAKE]),
      /pocketstack\.db.*: restore a backup.*reset --data-dir/,
    );
    const st = cli(['status', '--data-dir', corrupt]);
    expect(st.code).toBe(3);
    expect(st.stdout).toMatch(/^state {5}the database .* cannot be read/m);

    const newer = dataDir();
    const db = new SQLite(join(newer, 'pocketstack.db'));
    db.exec('create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)');
    db.exec("insert into kysely_migration values ('identity/9999_from_the_future', '2099-01-01')");
    db.close();
    expectOneLineError(
      cli(['start', '--data-dir', newer, ...FAKE]),
      /written by a newer pocketstack \(it has migration identity\/9999_from_the_future/,
    );
  }, 120_000);
});

describe('cli: openrc', () => {
  it('fails loudly (non-zero, stderr, nothing to eval) when nothing started on the data dir', () => {
    const dir = dataDir();
    const r = cli(['openrc', 'admin', 'admin', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^pocketstack: no pocketstack has started with data dir .*: start one with `.* start --data-dir /,
    );
  });
});
