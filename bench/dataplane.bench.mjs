// The linux network driver, end to end through the API (root only):
// - DHCP-ready: from the moment `POST /ports` answers to the first DHCP offer
//   for that port's MAC (a probe in a namespace on the network's bridge
//   sends DISCOVERs every 5 ms; goal under 300 ms);
// - 100 networks, each with a subnet and a router (interface on it, gateway
//   on public): the API calls' wall time, the time until the data plane has
//   applied them all, the namespaces made, pocketstack's RSS and dnsmasq's.
// Each run has its own data dir and floating range; stop() resets the host.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { issueToken, jsonCall, startPocketstack, table } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NETWORKS = Number(process.env.BENCH_NETWORKS ?? 100);
const DHCP_RUNS = Number(process.env.BENCH_DHCP_RUNS ?? 20);

async function load() {
  const { build } = await import('esbuild');
  const entry = [
    "export { run, available, argv } from './src/host/exec.ts';",
    "export { ownedNamespaces, removeNamespace } from './src/host/netns.ts';",
    "export { ensureVeth, ipBatch } from './src/host/links.ts';",
    "export { bridgeName, bridgeNamespace } from './src/host/names.ts';",
  ].join('\n');
  const out = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  const dir = mkdtempSync(join(tmpdir(), 'pocketstack-bench-dp-'));
  const file = join(dir, 'dp.mjs');
  writeFileSync(file, out.outputFiles[0].text);
  try {
    return await import(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const tagOf = (dataDir) => createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 6);
const randomMac = () => `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

// The probe: for each MAC read on stdin, DHCPDISCOVER (broadcast flag set)
// every 5 ms until an offer for that MAC comes; prints "MAC IP epoch-ms".
const PROBE = `
const dgram = require('node:dgram');
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
let mac, timer;
const now = () => performance.timeOrigin + performance.now();
function discover() {
  const p = Buffer.alloc(300);
  p[0] = 1; p[1] = 1; p[2] = 6;
  p.writeUInt32BE(0x12345678, 4);
  p.writeUInt16BE(0x8000, 10);
  Buffer.from(mac.split(':').map((h) => parseInt(h, 16))).copy(p, 28);
  p.writeUInt32BE(0x63825363, 236);
  Buffer.from([53, 1, 1, 55, 3, 1, 3, 121, 255]).copy(p, 240);
  s.send(p, 67, '255.255.255.255');
}
s.on('message', (m) => {
  if (!mac || m[0] !== 2) return;
  const chaddr = [...m.subarray(28, 34)].map((b) => b.toString(16).padStart(2, '0')).join(':');
  if (chaddr !== mac) return;
  clearInterval(timer);
  console.log(mac + ' ' + [...m.subarray(16, 20)].join('.') + ' ' + now().toFixed(1));
  mac = undefined;
});
s.bind(68, () => {
  s.setBroadcast(true);
  console.log('ready');
  require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
    mac = l.trim();
    discover();
    timer = setInterval(discover, 5);
  });
});
`;

const api = (base, token, method, path, body) => jsonCall(`${base}/networking/v2.0/${path}`, token, method, body);

/** Until no network.sync task is left in the store: the driver has applied everything. */
async function settled(dataDir, limitMs = 600_000) {
  const db = new SQLite(join(dataDir, 'pocketstack.db'), { readonly: true, fileMustExist: true });
  try {
    const left = () => db.prepare("select count(*) as n from tasks where kind = 'network.sync'").get().n;
    const t0 = Date.now();
    while (left() > 0) {
      if (Date.now() - t0 > limitMs) throw new Error('the data plane did not settle');
      await sleep(20);
    }
  } finally {
    db.close();
  }
}

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function dhcpReady(m, ps, token) {
  const tag = tagOf(ps.dataDir);
  const net = (await api(ps.url, token, 'POST', 'networks', { network: { name: 'bench-dhcp' } })).network;
  await api(ps.url, token, 'POST', 'subnets', {
    subnet: { network_id: net.id, ip_version: 4, cidr: '10.250.0.0/22' },
  });
  await settled(ps.dataDir);
  const probeNs = `psbench-${tag}`;
  const probe = { child: undefined };
  try {
    await m.run('ip', ['netns', 'add', probeNs]);
    await m.ensureVeth(m.bridgeNamespace(tag), `psbench-${tag}`, probeNs, 'eth0', { mtu: 1450 });
    await m.ipBatch(m.bridgeNamespace(tag), [`link set dev psbench-${tag} master ${m.bridgeName(net.id)} up`]);
    // an address so that the kernel sends the broadcast at all (dnsmasq reads the DHCP fields, not the IP source)
    await m.ipBatch(probeNs, [
      'link set dev lo up',
      'link set dev eth0 up',
      'addr add 169.254.250.1/16 dev eth0',
      'route add default dev eth0',
    ]);
    const full = m.argv(process.execPath, ['-e', PROBE], { netns: probeNs });
    probe.child = spawn(full[0], full.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = [];
    let wake;
    probe.child.stdout.setEncoding('utf8');
    let buf = '';
    probe.child.stdout.on('data', (d) => {
      buf += d;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
      wake?.();
    });
    const nextLine = async (ms) => {
      const t0 = Date.now();
      while (!lines.length) {
        if (Date.now() - t0 > ms) throw new Error('no DHCP offer');
        await new Promise((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return lines.shift();
    };
    if ((await nextLine(10_000)) !== 'ready') throw new Error('probe did not start');
    const latencies = [];
    for (let i = 0; i < DHCP_RUNS; i++) {
      const mac = randomMac();
      probe.child.stdin.write(`${mac}\n`);
      await sleep(20); // DISCOVERs already flying, unanswered
      const port = (await api(ps.url, token, 'POST', 'ports', { port: { network_id: net.id, mac_address: mac } })).port;
      const answered = now();
      const [gotMac, ip, at] = (await nextLine(10_000)).split(' ');
      if (gotMac !== mac || ip !== port.fixed_ips[0].ip_address) throw new Error(`offer ${gotMac} ${ip} for ${mac}`);
      latencies.push(Number(at) - answered);
    }
    latencies.sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    return {
      case: `port create → DHCP offer (${DHCP_RUNS} ports)`,
      p50_ms: pct(50),
      p90_ms: pct(90),
      max_ms: pct(100),
    };
  } finally {
    probe.child?.kill('SIGKILL');
    await m.removeNamespace(probeNs).catch(() => {});
  }
}

async function manyNetworks(m, ps, token) {
  const me = await fetch(`${ps.url}/identity/v3/auth/tokens`, {
    headers: { 'x-auth-token': token, 'x-subject-token': token },
  });
  const project = (await me.json()).token.project.id;
  await api(ps.url, token, 'PUT', `quotas/${project}`, { quota: { network: -1, subnet: -1, router: -1, port: -1 } });
  const pub = (await api(ps.url, token, 'GET', 'networks?name=public')).networks[0];
  const rssBefore = rssMiB(ps.pid);
  const t0 = performance.now();
  for (let i = 0; i < NETWORKS; i++) {
    const net = (await api(ps.url, token, 'POST', 'networks', { network: { name: `bench-${i}` } })).network;
    const sub = (
      await api(ps.url, token, 'POST', 'subnets', {
        subnet: { network_id: net.id, ip_version: 4, cidr: `10.${100 + Math.floor(i / 250)}.${i % 250}.0/24` },
      })
    ).subnet;
    const router = (
      await api(ps.url, token, 'POST', 'routers', {
        router: { name: `bench-${i}`, external_gateway_info: { network_id: pub.id } },
      })
    ).router;
    await api(ps.url, token, 'PUT', `routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
  }
  const apiMs = performance.now() - t0;
  await settled(ps.dataDir);
  const allMs = performance.now() - t0;
  const tag = tagOf(ps.dataDir);
  const namespaces = (await m.ownedNamespaces(tag)).length;
  const dnsmasq = (await m.run('pgrep', ['-f', join(ps.dataDir, 'run', 'dhcp')], { okCodes: [1] }))
    .split('\n')
    .filter(Boolean);
  const dnsmasqRss = dnsmasq.reduce((sum, pid) => sum + rssMiB(Number(pid)), 0);
  return {
    case: `${NETWORKS} networks + subnet + router`,
    api_s: apiMs / 1000,
    data_plane_s: allMs / 1000,
    namespaces,
    dnsmasq: dnsmasq.length,
    rss_before_mib: rssBefore,
    rss_after_mib: rssMiB(ps.pid),
    dnsmasq_rss_mib: dnsmasqRss,
  };
}

export default async function main() {
  if (process.getuid?.() !== 0) return console.log('skipped: needs root (the linux network driver)');
  const m = await load();
  for (const cmd of ['ip', 'nft', 'dnsmasq'])
    if (!(await m.available(cmd))) return console.log(`skipped: ${cmd} is not installed`);
  const range = `172.24.${10 + Math.floor(Math.random() * 240)}.0/24`;
  const ps = await startPocketstack([
    '--network-driver',
    'linux',
    '--floating-range',
    range,
    '--default-image',
    'blank',
  ]);
  try {
    const token = await issueToken(`${ps.url}/identity/v3`);
    await settled(ps.dataDir);
    table([await dhcpReady(m, ps, token)]);
    console.log();
    table([await manyNetworks(m, ps, token)]);
  } finally {
    await ps.stop();
  }
}
