import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../host/exec.js';
import { addressLines, ensureVeth, ipBatch, linkStates } from '../../../host/links.js';
import { dhcpDeviceName, dhcpNamespace, tapName } from '../../../host/names.js';
import { ensureNamespace, namespaceExists, removeNamespace } from '../../../host/netns.js';
import { adoptable, commandLine, stopProcess } from '../../../host/processes.js';
import type { NetworkSpec, PortSpec } from '../driver.js';
import { ensureNetworkBridge } from './bridges.js';
import { type Ctx, dhcpPortOf, withPrefix } from './context.js';
import { dhcpSubnets, dnsmasqArgs, hostsFile, METADATA_IP, optsFile } from './dhcp-config.js';

// DHCP per network, as Neutron's DHCP agent: a qdhcp-<network> namespace
// holding the DHCP port's device (ns-<port>, its addresses and
// 169.254.169.254/32) and one dnsmasq serving the port addresses Neutron
// allocated. dnsmasq's pid file and files live in <data-dir>/run/dhcp/<net>/;
// a running dnsmasq started with the same arguments is adopted, a changed
// host or options file reaches it by SIGHUP, changed arguments (subnets,
// MTU) restart it.

export const dhcpDir = (ctx: Ctx, networkId: string) => join(ctx.runDir, 'dhcp', networkId);

function files(ctx: Ctx, networkId: string) {
  const dir = dhcpDir(ctx, networkId);
  return {
    dir,
    pidFile: join(dir, 'dnsmasq.pid'),
    hostsFile: join(dir, 'host'),
    optsFile: join(dir, 'opts'),
    leaseFile: join(dir, 'leases'),
    logFile: join(dir, 'dnsmasq.log'),
  };
}

/** Writes the file when its text differs; says whether it did. */
function writeIfChanged(path: string, text: string): boolean {
  try {
    if (readFileSync(path, 'utf8') === text) return false;
  } catch {
    // not there yet
  }
  writeFileSync(path, text);
  return true;
}

/** The running dnsmasq of a network (pid file, alive, and started by us for that network). */
export function dnsmasqPid(ctx: Ctx, networkId: string): number | undefined {
  const f = files(ctx, networkId);
  return adoptable(f.pidFile, f.pidFile);
}

/** Whether the network should have DHCP served: a DHCP subnet, its DHCP port known, network up. */
export function wantsDhcp(ctx: Ctx, net: NetworkSpec | undefined): boolean {
  return !!net && net.admin_state_up && dhcpSubnets(net).length > 0 && !!dhcpPortOf(ctx.model, net.id);
}

/** Makes the network's DHCP as the model says (or removes it when there is nothing to serve). */
export async function applyDhcp(ctx: Ctx, networkId: string): Promise<void> {
  const net = ctx.model.networks.get(networkId);
  if (!net || !wantsDhcp(ctx, net)) return removeDhcp(ctx, networkId);
  const port = dhcpPortOf(ctx.model, networkId)!;
  const ns = dhcpNamespace(networkId);
  const dev = dhcpDeviceName(port.id);
  const tap = tapName(port.id);
  const bridge = await ensureNetworkBridge(ctx, networkId);
  await ensureNamespace(ns, ctx.tag);
  let states = await linkStates(ns);
  const stale = [...states.keys()].filter((n) => n.startsWith('ns-') && n !== dev);
  if (stale.length)
    await ipBatch(
      ns,
      stale.map((n) => `link delete dev ${n}`),
    );
  if (!states.has(dev)) {
    await ensureVeth(ctx.brns, tap, ns, dev, { mtu: net.mtu, peerMac: port.mac_address });
    states = await linkStates(ns);
  }
  const have = states.get(dev);
  const cidrs = [
    ...port.fixed_ips.map((ip) => withPrefix(ctx.model, networkId, ip.subnet_id, ip.ip_address)),
    `${METADATA_IP}/32`,
  ];
  await ipBatch(ns, [
    ...(have?.address && have.address !== port.mac_address ? [`link set dev ${dev} address ${port.mac_address}`] : []),
    `link set dev ${dev} mtu ${net.mtu} up`,
    ...addressLines(dev, have?.addr_info, cidrs),
  ]);
  await ipBatch(ctx.brns, [`link set dev ${tap} master ${bridge} mtu ${net.mtu} up`]);
  await startOrReload(ctx, net, port, dev);
  await ctx.metadata.ensure(ns, { networkId });
}

/** `net` and `port` as applyDhcp read them: the model may change meanwhile (the next job applies that). */
async function startOrReload(ctx: Ctx, net: NetworkSpec, port: PortSpec, dev: string): Promise<void> {
  const f = files(ctx, net.id);
  mkdirSync(f.dir, { recursive: true, mode: 0o755 });
  const hostsChanged = writeIfChanged(f.hostsFile, hostsFile(net, [...ctx.model.ports.values()], port.id));
  const optsChanged = writeIfChanged(f.optsFile, optsFile(net, port));
  const changed = hostsChanged || optsChanged;
  const args = dnsmasqArgs(net, dev, f);
  const pid = adoptable(f.pidFile, f.pidFile);
  if (pid !== undefined && sameArgs(commandLine(pid), args)) {
    if (changed) process.kill(pid, 'SIGHUP');
    return;
  }
  await stopProcess(pid, f.pidFile);
  await killStrays(dhcpNamespace(net.id));
  await run('dnsmasq', args, { netns: dhcpNamespace(net.id), timeoutMs: 10_000 });
  ctx.log.info({ network: net.id, pid: adoptable(f.pidFile, f.pidFile) }, 'dnsmasq started');
}

function sameArgs(argv: string[] | undefined, args: string[]): boolean {
  if (!argv) return false;
  const tail = argv.slice(argv.length - args.length);
  return tail.length === args.length && tail.every((a, i) => a === args[i]);
}

/** Any dnsmasq still inside the namespace that is not the one of the pid file (a start interrupted by a crash). */
async function killStrays(ns: string): Promise<void> {
  if (!namespaceExists(ns)) return;
  const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => '')).split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) if (commandLine(pid)?.[0]?.endsWith('dnsmasq')) await stopProcess(pid);
}

/** The port list changed on the network: rewrite dnsmasq's host file and SIGHUP it (nothing when DHCP does not run). */
export async function refreshHosts(ctx: Ctx, networkId: string): Promise<void> {
  const net = ctx.model.networks.get(networkId);
  const port = dhcpPortOf(ctx.model, networkId);
  if (!net || !port) return;
  const f = files(ctx, networkId);
  const pid = adoptable(f.pidFile, f.pidFile);
  if (pid === undefined) return;
  if (writeIfChanged(f.hostsFile, hostsFile(net, [...ctx.model.ports.values()], port.id))) process.kill(pid, 'SIGHUP');
}

export async function removeDhcp(ctx: Ctx, networkId: string): Promise<void> {
  const f = files(ctx, networkId);
  const ns = dhcpNamespace(networkId);
  await stopProcess(adoptable(f.pidFile, f.pidFile), f.pidFile);
  if (namespaceExists(ns)) {
    await ctx.metadata.remove(ns);
    await removeNamespace(ns);
  }
  rmSync(f.dir, { recursive: true, force: true });
}
