// PostgreSQL beside SQLite (issue 19): an authenticated GET and a port create,
// p50 at one client and throughput at several, on SQLite (one process), on
// PostgreSQL with one process, and with two processes on one database and
// data dir (requests alternating between them). Needs a PostgreSQL:
//   scripts/postgres-test.sh npm run bench -- postgres
// (any postgres:// URL in POCKETSTACK_TEST_DATABASE whose role may create
// databases will do; each run makes a database of its own and drops it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { issueToken, jsonCall, measure, table } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BASE = process.env.POCKETSTACK_TEST_DATABASE;
const N_GET = Number(process.env.BENCH_GETS ?? 1000);
const N_PORTS = Number(process.env.BENCH_PORTS ?? 300);

function startOne(dataDir, database) {
  const args = ['start', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--network-driver', 'fake'];
  args.push('--compute-driver', 'fake', '--default-image', 'blank', '--no-host-setup');
  if (database) args.push('--database', database);
  const child = spawn(process.execPath, [join(root, 'bin/pocketstack.js'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /running on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`pocketstack exited ${code}: ${out}`)));
  });
}

async function admin(sql) {
  const c = new pg.Client({ connectionString: BASE });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const call = (url, token, method, path, body) => jsonCall(`${url}${path}`, token, method, body);

async function run(name, processes, database) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-bench-pg-'));
  const procs = [];
  try {
    for (let i = 0; i < processes; i++) procs.push(await startOne(dataDir, database));
    const urls = procs.map((p) => p.url);
    const at = (i) => urls[i % urls.length];
    const token = await issueToken(`${urls[0]}/identity/v3`);
    const project = (await call(urls[0], token, 'GET', '/identity/v3/auth/projects')).projects.find(
      (p) => p.name === 'admin',
    ).id;
    await call(urls[0], token, 'PUT', `/networking/v2.0/quotas/${project}`, { quota: { port: 10 * N_PORTS } });
    const net = (await call(urls[0], token, 'POST', '/networking/v2.0/networks', { network: { name: 'bench' } }))
      .network;
    await call(urls[0], token, 'POST', '/networking/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr: '10.200.0.0/20', name: 'bench' },
    });
    const get = (i) => call(at(i), token, 'GET', `/networking/v2.0/networks/${net.id}`);
    const create = (i) => call(at(i), token, 'POST', '/networking/v2.0/ports', { port: { network_id: net.id } });
    const rows = [];
    const g1 = await measure(get, { n: N_GET, concurrency: 1 });
    const g16 = await measure(get, { n: N_GET, concurrency: 16 });
    const p1 = await measure(create, { n: N_PORTS, concurrency: 1, warmup: 5 });
    const p8 = await measure(create, { n: N_PORTS, concurrency: 8, warmup: 0 });
    rows.push({ store: name, case: 'GET network (1 client)', p50: g1.p50, p90: g1.p90, rps: g1.rps });
    rows.push({ store: name, case: 'GET network (16 clients)', p50: g16.p50, p90: g16.p90, rps: g16.rps });
    rows.push({ store: name, case: 'port create (1 client)', p50: p1.p50, p90: p1.p90, rps: p1.rps });
    rows.push({ store: name, case: 'port create (8 clients)', p50: p8.p50, p90: p8.p90, rps: p8.rps });
    // every port got its own address: the serializable transactions held across processes
    const ports = (await call(urls[0], token, 'GET', `/networking/v2.0/ports?network_id=${net.id}`)).ports;
    const ips = new Set(ports.map((p) => p.fixed_ips[0]?.ip_address));
    if (ips.size !== ports.length) throw new Error(`${name}: ${ports.length} ports share ${ips.size} addresses`);
    return rows;
  } finally {
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await new Promise((r) => p.child.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export default async function main() {
  if (!BASE) {
    console.log('skipped: no PostgreSQL (run it as `scripts/postgres-test.sh npm run bench -- postgres`)');
    return;
  }
  const rows = [...(await run('sqlite', 1))];
  for (const processes of [1, 2]) {
    const name = `bench_pg_${processes}_${process.pid}`;
    const url = new URL(BASE);
    url.pathname = `/${name}`;
    try {
      rows.push(...(await run(`postgres, ${processes} process${processes > 1 ? 'es' : ''}`, processes, url.href)));
    } finally {
      await admin(`drop database if exists ${name} with (force)`);
    }
  }
  table(rows);
}
