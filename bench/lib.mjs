// Shared pieces of the benchmarks: start a throwaway pocketstack, get tokens,
// measure latency percentiles and throughput at a given concurrency.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts `pocketstack start --port 0` on a fresh data dir; resolves with its
 * URL and a stop() that also removes what it made on the host. The API
 * benchmarks run the fake network driver unless extraArgs name one.
 * `checkout` runs another build (a directory with bin/ and dist/, e.g. an
 * older commit's, for before/after in one run).
 */
export async function startPocketstack(extraArgs = [], { checkout = root } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-bench-'));
  if (!extraArgs.includes('--network-driver')) extraArgs = [...extraArgs, '--network-driver', 'fake'];
  const child = spawn(
    process.execPath,
    [
      join(checkout, 'bin/pocketstack.js'),
      'start',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /running on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`pocketstack exited ${code}: ${out}`)));
  });
  return {
    url,
    dataDir,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      // namespaces, dnsmasq and the host veth of a linux-driver run
      await new Promise((r) =>
        spawn(process.execPath, [join(root, 'bin/pocketstack.js'), 'reset', '--yes', '--data-dir', dataDir], {
          stdio: 'ignore',
        }).once('exit', r),
      );
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether a URL answers at all (a peer may not be running). */
export async function answers(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/** A project-scoped token from a Keystone at authUrl (…/v3). */
export async function issueToken(authUrl, { user = 'admin', password = 'secret', project = 'admin' } = {}) {
  const res = await fetch(`${authUrl}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return res.headers.get('x-subject-token');
}

/**
 * Runs `fn` n times with `concurrency` calls in flight; returns p50/p90 (ms)
 * and requests per second.
 */
/** A JSON API call with a token: the parsed answer (undefined when empty); throws on an error status. */
export async function jsonCall(url, token, method, body) {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function measure(fn, { n = 500, concurrency = 1, warmup = 20 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await fn(i);
        times.push(performance.now() - s);
      }
    }),
  );
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  return { p50: pct(50), p90: pct(90), rps: (n / total) * 1000, n, concurrency };
}

/** Prints rows of {case, ...numbers} as an aligned table. */
export function table(rows) {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const fmt = (v) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v ?? ''));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  const line = (vals) => vals.map((v, i) => v.padEnd(widths[i])).join('  ');
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => fmt(r[c]))));
}
