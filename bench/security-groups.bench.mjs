// Security groups on the linux data plane: 200 rules, time until the last is
// in force (a TCP connection to the port it opens succeeds), as issue 12 asks
// (goal: under 1 s). First through a whole cloud (pocketstack with the linux
// network driver, two guests plugged into ports with `port plug`, the 200
// rules created over the API one after another, as a script would): from the
// first request, and from the last answer, to the last rule in force. Then on
// the firewall module alone (the nft side, with namespaces made here): the 200
// rules in one update; one by one as fast as a caller can (coalesced); one at
// a time, each awaited (the latency of one change). Root only; everything
// made carries its own tag and is removed at the end, even on failure.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueToken, startPocketstack, table } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RULES = Number(process.env.BENCH_SG_RULES ?? 200);
const BASE_PORT = 20000;

async function load() {
  const { build } = await import('esbuild');
  const entry = [
    "export { Firewall } from './src/drivers/network/linux/security-groups.ts';",
    "export { run, available } from './src/host/exec.ts';",
    "export { ensureNamespace, removeNamespace, ownedNamespaces } from './src/host/netns.ts';",
    "export { ensureBridge } from './src/host/links.ts';",
    "export { bridgeName, bridgeNamespace, hostTag, tapName } from './src/host/names.ts';",
  ].join('\n');
  const out = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  const dir = mkdtempSync(join(tmpdir(), 'pocketstack-bench-sg-'));
  const file = join(dir, 'sg.mjs');
  writeFileSync(file, out.outputFiles[0].text);
  try {
    return await import(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A table row: when the last change was accepted (API answer, update resolved), when the last rule was in force. */
const row = (name, applied, inForce, p50) => ({
  case: name,
  applied_ms: applied,
  last_in_force_ms: inForce,
  in_force_after_applied_ms: inForce - applied,
  p50_one_change_ms: p50,
});

/** Probes ip:port from namespace ns every few ms until it connects (bounded); ms since t0. */
async function untilOpen(m, ns, ip, port, t0) {
  for (let i = 0; i < 400; i++) {
    const out = await m.run('timeout', ['0.3', 'bash', '-c', `exec 3<>/dev/tcp/${ip}/${port} && echo open`], {
      netns: ns,
      okCodes: [1, 124],
    });
    if (out.includes('open')) return performance.now() - t0;
    await sleep(5);
  }
  throw new Error(`${ip}:${port} never opened`);
}

/** The 200 rules over the API of a whole cloud with the linux network driver. */
async function throughTheApi(m) {
  const used = await m.run('ip', ['-j', 'addr', 'show']);
  let range = '';
  for (let i = 0; i < 50 && !range; i++) {
    const n = 10 + Math.floor(Math.random() * 240);
    if (n !== 4 && !used.includes(`"172.24.${n}.`)) range = `172.24.${n}.0/24`;
  }
  const ps = await startPocketstack(['--network-driver', 'linux', '--floating-range', range]);
  const tag = m.hostTag(ps.dataDir);
  const cli = (args) =>
    m.run(process.execPath, [join(root, 'bin/pocketstack.js'), ...args, '--data-dir', ps.dataDir], {
      timeoutMs: 60_000,
    });
  try {
    const token = await issueToken(`${ps.url}/identity/v3`);
    const api = async (method, path, body) => {
      const res = await fetch(`${ps.url}/networking/v2.0/${path}`, {
        method,
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const net = (await api('POST', 'networks', { network: { name: 'bench-sg' } })).network;
    await api('POST', 'subnets', { subnet: { network_id: net.id, cidr: '10.204.0.0/24', ip_version: 4 } });
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'bench' } })).security_group;
    await api('PUT', `quotas/${sg.project_id}`, { quota: { security_group_rule: RULES + 100 } });
    const client = (await api('POST', 'ports', { port: { network_id: net.id } })).port;
    const server = (await api('POST', 'ports', { port: { network_id: net.id, security_groups: [sg.id] } })).port;
    const serverIp = server.fixed_ips[0].ip_address;
    const [gc, gs] = [`pst-${tag}-bc`, `pst-${tag}-bs`];
    await cli(['port', 'plug', client.id, '--netns', gc]);
    await cli(['port', 'plug', server.id, '--netns', gs]);
    const last = BASE_PORT + RULES - 1;
    const code = `require('net').createServer(s=>{s.on('error',()=>{});s.end()}).listen(${last})`;
    m.run('node', ['-e', code], { netns: gs, timeoutMs: 600_000 }).catch(() => {});
    await sleep(500);
    const t0 = performance.now();
    let answered = 0;
    for (let i = 0; i < RULES; i++) {
      await api('POST', 'security-group-rules', {
        security_group_rule: {
          security_group_id: sg.id,
          direction: 'ingress',
          protocol: 'tcp',
          port_range_min: BASE_PORT + i,
          port_range_max: BASE_PORT + i,
        },
      });
      answered = performance.now();
    }
    const inForce = await untilOpen(m, gc, serverIp, last, t0);
    return row(`${RULES} rules over the API`, answered - t0, inForce);
  } finally {
    await ps.stop().catch(() => {});
    await cli(['reset', '--yes']).catch(() => {});
    for (const n of (await m.run('ip', ['-j', 'netns', 'list'])).match(/"name":"[^"]+"/g) ?? []) {
      const name = n.slice(8, -1);
      if (name.startsWith(`pst-${tag}-`)) await m.removeNamespace(name);
    }
  }
}

export default async function main() {
  if (process.getuid?.() !== 0) return console.log('skipped: needs root (namespaces, nftables)');
  const m = await load();
  if (!(await m.available('nft'))) return console.log('skipped: nft is not installed (apt-get install nftables)');
  const rows = [];
  if (await m.available('dnsmasq')) rows.push(await throughTheApi(m));
  else console.log('the API case is skipped: dnsmasq is not installed (apt-get install dnsmasq-base)');
  rows.push(...(await onTheModule(m)));
  table(rows);
}

/** The firewall module alone, on a bridge namespace and two guests made here. */
async function onTheModule(m) {
  const tag = randomBytes(3).toString('hex');
  const ns = m.bridgeNamespace(tag);
  const netId = randomUUID();
  const mac = () => `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const port = (ip, groups) => ({
    id: randomUUID(),
    network_id: netId,
    mac_address: mac(),
    fixed_ips: [{ subnet_id: randomUUID(), ip_address: ip }],
    admin_state_up: true,
    device_id: randomUUID(),
    device_owner: 'compute:nova',
    host: 'bench',
    port_security_enabled: true,
    security_group_ids: groups,
    allowed_address_pairs: [],
  });
  const client = {
    id: randomUUID(),
    stateful: true,
    rules: [
      {
        id: randomUUID(),
        direction: 'egress',
        ethertype: 'IPv4',
        protocol: null,
        port_range_min: null,
        port_range_max: null,
        remote_ip_prefix: null,
        remote_group_id: null,
      },
    ],
  };
  const server = { id: randomUUID(), stateful: true, rules: [] };
  const pc = port('10.203.0.1', [client.id]);
  const ps = port('10.203.0.2', [server.id]);
  const model = {
    networks: new Map([
      [netId, { id: netId, name: 'bench', mtu: 1500, admin_state_up: true, external: false, subnets: [] }],
    ]),
    ports: new Map([
      [pc.id, pc],
      [ps.id, ps],
    ]),
    securityGroups: new Map([
      [client.id, client],
      [server.id, server],
    ]),
  };
  const rule = (i) => ({
    id: randomUUID(),
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    port_range_min: BASE_PORT + i,
    port_range_max: BASE_PORT + i,
    remote_ip_prefix: null,
    remote_group_id: null,
  });
  const fw = new m.Firewall(ns);
  const guests = [];
  try {
    await m.ensureNamespace(ns, tag);
    await m.ensureBridge(ns, m.bridgeName(netId), 1500);
    for (const [i, p] of [pc, ps].entries()) {
      const g = `${ns}-g${i}`;
      guests.push(g);
      await m.ensureNamespace(g, tag);
      await m.run('ip', ['-n', ns, 'link', 'add', m.tapName(p.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g]);
      await m.run('ip', ['-n', ns, 'link', 'set', m.tapName(p.id), 'master', m.bridgeName(netId), 'up']);
      await m.run('ip', ['-n', g, 'link', 'set', 'eth0', 'address', p.mac_address, 'up']);
      await m.run('ip', ['-n', g, 'addr', 'add', `${p.fixed_ips[0].ip_address}/24`, 'dev', 'eth0', 'nodad']);
    }
    // the server answers on the last rule's port; the client probes it
    const last = BASE_PORT + RULES - 1;
    const code = `require('net').createServer(s=>{s.on('error',()=>{});s.end()}).listen(${last})`;
    m.run('node', ['-e', code], { netns: guests[1], timeoutMs: 600_000 }).catch(() => {});
    await fw.update(model);
    const open = async () =>
      (
        await m.run('timeout', ['0.3', 'bash', '-c', `exec 3<>/dev/tcp/10.203.0.2/${last} && echo open`], {
          netns: guests[0],
          okCodes: [1, 124],
        })
      ).includes('open');
    const inForce = async (t0) => {
      for (let i = 0; i < 100; i++) {
        if (await open()) return performance.now() - t0;
        await sleep(5);
      }
      throw new Error('the last rule never came into force');
    };
    // wait for the server, with an allow-all rule, then start from no rules
    server.rules = [{ ...rule(0), port_range_min: 1, port_range_max: 65535 }];
    await fw.update(model);
    for (let i = 0; i < 50 && !(await open()); i++) await sleep(100);
    const rows = [];
    const reset = async () => {
      server.rules = [];
      await fw.update(model);
      if (await open()) throw new Error('the port is open with no rule');
    };

    await reset();
    let t0 = performance.now();
    server.rules = Array.from({ length: RULES }, (_, i) => rule(i));
    const applied = fw.update(model).then(() => performance.now() - t0);
    rows.push(row(`${RULES} rules in one update`, await applied, await inForce(t0)));

    await reset();
    t0 = performance.now();
    const pending = [];
    for (let i = 0; i < RULES; i++) {
      server.rules = [...server.rules, rule(i)];
      pending.push(fw.update(model));
      await sleep(0);
    }
    const all = Promise.all(pending).then(() => performance.now() - t0);
    rows.push(row(`${RULES} rules one by one`, await all, await inForce(t0)));

    await reset();
    const each = [];
    t0 = performance.now();
    for (let i = 0; i < RULES; i++) {
      server.rules = [...server.rules, rule(i)];
      const s = performance.now();
      await fw.update(model);
      each.push(performance.now() - s);
    }
    const done = performance.now() - t0;
    each.sort((a, b) => a - b);
    rows.push(row(`${RULES} rules each awaited`, done, await inForce(t0), each[Math.floor(each.length / 2)]));
    return rows;
  } finally {
    await fw.remove().catch(() => {});
    for (const n of await m.ownedNamespaces(tag)) await m.removeNamespace(n);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
