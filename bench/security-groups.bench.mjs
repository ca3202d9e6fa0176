// Security groups on the linux data plane: 200 rules, time until the last is
// in force (a TCP connection to the port it opens succeeds), as issue 12 asks
// (goal: under 1 s). Measured on the firewall module itself (the nft side,
// with a bridge namespace and two guest namespaces made here): the 200 rules
// in one update; created one by one as fast as a client can (coalesced); and
// one at a time, each awaited (the latency of one change). Root only; the
// namespaces carry a random tag and are removed at the end, even on failure.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './lib.mjs';

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
    "export { bridgeName, bridgeNamespace, tapName } from './src/host/names.ts';",
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

export default async function main() {
  if (process.getuid?.() !== 0) return console.log('skipped: needs root (namespaces, nftables)');
  const m = await load();
  if (!(await m.available('nft'))) return console.log('skipped: nft is not installed (apt-get install nftables)');
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
    const untilOpen = async (t0) => {
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
    rows.push({
      case: `${RULES} rules in one update`,
      applied_ms: await applied,
      last_in_force_ms: await untilOpen(t0),
      p50_one_ms: undefined,
      p90_one_ms: undefined,
    });

    await reset();
    t0 = performance.now();
    const pending = [];
    for (let i = 0; i < RULES; i++) {
      server.rules = [...server.rules, rule(i)];
      pending.push(fw.update(model));
      await sleep(0);
    }
    const all = Promise.all(pending).then(() => performance.now() - t0);
    rows.push({
      case: `${RULES} rules one by one`,
      applied_ms: await all,
      last_in_force_ms: await untilOpen(t0),
      p50_one_ms: undefined,
      p90_one_ms: undefined,
    });

    await reset();
    const each = [];
    for (let i = 0; i < RULES; i++) {
      server.rules = [...server.rules, rule(i)];
      const s = performance.now();
      await fw.update(model);
      each.push(performance.now() - s);
    }
    each.sort((a, b) => a - b);
    rows.push({
      case: `${RULES} rules each awaited`,
      applied_ms: each.reduce((a, b) => a + b, 0),
      last_in_force_ms: await untilOpen(performance.now()),
      p50_one_ms: each[Math.floor(each.length / 2)],
      p90_one_ms: each[Math.floor(each.length * 0.9)],
    });
    table(rows);
  } finally {
    await fw.remove().catch(() => {});
    for (const n of await m.ownedNamespaces(tag)) await m.removeNamespace(n);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
