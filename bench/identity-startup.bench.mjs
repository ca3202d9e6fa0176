// Start-up: from `npm start` to the first token, and the idle footprint.
// Runs `npm start -- --port <free> --data-dir <tmp>` as a user would, polls
// POST /identity/v3/auth/tokens until it answers 201, then waits and reads
// the server's resident memory from /proc. Twice on a fresh data dir (first
// start: seeding, including the seeded password's hash) and twice on the
// same data dir again (warm). The CPU the process tree used is printed too:
// on a shared machine wall time follows the load, CPU time much less.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TICK_MS = 10; // Linux USER_HZ

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
const cpuMs = (pid) => {
  const f = stat(pid);
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
};
function descendants(pid) {
  const kids = readdirSync('/proc').filter((d) => {
    if (!/^\d+$/.test(d)) return false;
    try {
      return stat(d)[1] === String(pid);
    } catch {
      return false;
    }
  });
  return [pid, ...kids.flatMap((k) => descendants(k))];
}

const body = JSON.stringify({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'admin', domain: { id: 'default' }, password: 'secret' } },
    },
    scope: { project: { name: 'admin', domain: { id: 'default' } } },
  },
});

async function once(dataDir) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--silent', '--', '--port', String(port), '--data-dir', dataDir], {
    cwd: root,
    stdio: 'ignore',
  });
  let firstToken;
  while (firstToken === undefined) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/identity/v3/auth/tokens?nocatalog`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await r.arrayBuffer();
      if (r.status === 201) firstToken = performance.now() - t0;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
    if (performance.now() - t0 > 60_000) throw new Error('no token within 60 s');
  }
  const tree = descendants(child.pid);
  const cpu = tree.reduce((a, p) => a + cpuMs(p), 0);
  const server = JSON.parse(readFileSync(join(dataDir, 'pocketstack.json'), 'utf8')).pid;
  await new Promise((r) => setTimeout(r, 3000));
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server}/status`, 'utf8'))[1]) / 1024;
  process.kill(server, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { firstToken, cpu, rss };
}

export default async function startupBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-startup-'));
  const rows = [];
  try {
    for (const kind of ['fresh', 'fresh', 'warm', 'warm']) {
      if (kind === 'fresh') rmSync(dataDir, { recursive: true, force: true });
      const r = await once(dataDir);
      rows.push({
        'data dir': kind,
        'npm start -> first token ms': r.firstToken,
        'cpu ms (npm + server)': r.cpu,
        'idle RSS MiB (3 s later)': r.rss,
      });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  table(rows);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average ${load} on ${(await import('node:os')).cpus().length} CPUs`);
}
