// Real instances (qemu driver, linux network driver; TCG unless the KVM probe
// passes): the tiny image booted on a tenant network, one at a time and ten at
// once. Per instance: POST /servers → ACTIVE, and POST /servers → the first
// line on its console that shows it read the metadata service ("tiny:
// instance-id", after DHCP and the metadata request); qemu's RSS once booted.
// Root only; skipped otherwise. The load average is printed beside: TCG
// boots share the machine's cores with everything else.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { issueToken, startPocketstack, table } from './lib.mjs';

const AT_ONCE = Number(process.env.INSTANCES_BENCH_CONCURRENT ?? 10);
const NOVA_MV = { 'openstack-api-version': 'compute 2.79' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function call(url, token, method = 'GET', body, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function freeRange() {
  const used = execFileSync('ip', ['-j', 'addr', 'show']).toString();
  for (let i = 0; i < 50; i++) {
    const n = 10 + Math.floor(Math.random() * 240);
    if (n !== 4 && !used.includes(`"172.24.${n}.`)) return `172.24.${n}.0/24`;
  }
  throw new Error('no free 172.24.N.0/24');
}

export default async function main() {
  if (process.getuid?.() !== 0) {
    console.log('skipped: real instances need root (qemu, namespaces)');
    return;
  }
  const ps = await startPocketstack([
    '--network-driver',
    'linux',
    '--compute-driver',
    'qemu',
    '--floating-range',
    freeRange(),
    '--default-image',
    'blank',
  ]);
  const servers = new Set();
  let token;
  const nova = `${ps.url}/compute/v2.1`;
  try {
    token = await issueToken(`${ps.url}/identity/v3`);
    const status = execFileSync(process.execPath, ['bin/pocketstack.js', 'status', '--data-dir', ps.dataDir]);
    const accel = /compute\s+(.*)/.exec(status.toString())?.[1] ?? '?';
    execFileSync(
      process.execPath,
      ['bin/pocketstack.js', 'images', 'build', 'tiny', '--register', 'tiny-bench', '--data-dir', ps.dataDir],
      { stdio: 'ignore' },
    );
    const images = await call(`${ps.url}/image/v2/images?name=tiny-bench`, token);
    const image = images.images[0].id;
    const net = (await call(`${ps.url}/networking/v2.0/networks`, token, 'POST', { network: { name: 'bench' } }))
      .network.id;
    await call(`${ps.url}/networking/v2.0/subnets`, token, 'POST', {
      subnet: { network_id: net, cidr: '10.123.0.0/24', ip_version: 4 },
    });
    await call(`${ps.url}/networking/v2.0/security-groups`, token, 'POST', { security_group: { name: 'bench' } });

    const boot = async (name) => {
      const t0 = performance.now();
      const r = await call(
        `${nova}/servers`,
        token,
        'POST',
        {
          server: {
            name,
            imageRef: image,
            flavorRef: 'c1',
            networks: [{ uuid: net }],
            security_groups: [{ name: 'bench' }],
          },
        },
        NOVA_MV,
      );
      const id = r.server.id;
      servers.add(id);
      let active;
      let metadata;
      const end = Date.now() + 20 * 60_000;
      while ((active === undefined || metadata === undefined) && Date.now() < end) {
        if (active === undefined) {
          const s = (await call(`${nova}/servers/${id}`, token)).server;
          if (s.status === 'ERROR') throw new Error(`${name}: ERROR ${JSON.stringify(s.fault)}`);
          if (s.status === 'ACTIVE') active = performance.now() - t0;
        }
        if (active !== undefined) {
          const out = (await call(`${nova}/servers/${id}/action`, token, 'POST', { 'os-getConsoleOutput': {} })).output;
          if (/tiny: instance-id /.test(out)) metadata = performance.now() - t0;
          // tiny gives up after 5 tries (its config-drive fallback is off here): counted, not fatal
          else if (/tiny: datasource none/.test(out)) metadata = Number.NaN;
        }
        await sleep(250);
      }
      const pid = Number(readFileSync(join(ps.dataDir, 'instances', id, 'qemu.pid'), 'utf8'));
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      return { id, active, metadata, rss };
    };
    const remove = async (ids) => {
      for (const id of ids) await call(`${nova}/servers/${id}`, token, 'DELETE').catch(() => {});
      for (const id of ids)
        for (let i = 0; i < 240; i++) {
          const res = await fetch(`${nova}/servers/${id}`, { headers: { 'x-auth-token': token } });
          if (res.status === 404) break;
          await sleep(250);
        }
      for (const id of ids) servers.delete(id);
    };

    const rows = [];
    const one = await boot('one');
    await remove([one.id]);
    rows.push({
      case: 'one instance',
      to_active_ms: one.active,
      to_metadata_ms: one.metadata,
      rss_mb: one.rss,
      load: loadavg()[0],
    });
    const t0 = performance.now();
    const many = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => boot(`many-${i}`)));
    const all = performance.now() - t0;
    const p = (k, q) => {
      const v = many
        .map((m) => m[k])
        .filter((x) => !Number.isNaN(x))
        .sort((a, b) => a - b);
      return v[Math.min(v.length - 1, Math.floor(q * v.length))];
    };
    rows.push({
      case: `${AT_ONCE} at once, p50`,
      to_active_ms: p('active', 0.5),
      to_metadata_ms: p('metadata', 0.5),
      rss_mb: p('rss', 0.5),
      load: loadavg()[0],
    });
    rows.push({
      case: `${AT_ONCE} at once, max`,
      to_active_ms: p('active', 1),
      to_metadata_ms: p('metadata', 1),
      rss_mb: p('rss', 1),
      load: loadavg()[0],
    });
    const missed = many.filter((m) => Number.isNaN(m.metadata)).length;
    console.log(
      `compute: ${accel}; ${AT_ONCE - missed} of ${AT_ONCE} read the metadata service (${missed} gave up), all done ${Math.round(all)} ms after the first create`,
    );
    table(rows);
    await remove(many.map((m) => m.id));
  } finally {
    if (token) for (const id of servers) await call(`${nova}/servers/${id}`, token, 'DELETE').catch(() => {});
    await sleep(2000);
    await ps.stop();
  }
}
