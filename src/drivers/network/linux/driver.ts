import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { onCommand } from '../../../host/exec.js';
import { HOST_NS, linkStates, removeLink } from '../../../host/links.js';
import { bridgeNamespace, hostTag, hostVethName, hostVethPeerName, tapName } from '../../../host/names.js';
import { listNamespaces, namespaceExists, ownedNamespaces, removeNamespace } from '../../../host/netns.js';
import type { DesiredState, NetworkDriver, NetworkSpec, PortSpec, RouterSpec, SecurityGroupSpec } from '../driver.js';
import {
  ensureBridgeNamespace,
  ensureHostGateway,
  ensureNetworkBridge,
  removeHostGateway,
  removeNetworkBridge,
} from './bridges.js';
import { type Ctx, DHCP_OWNER, emptyModel } from './context.js';
import { applyDhcp, dhcpDir, dnsmasqPid, refreshHosts, removeDhcp, wantsDhcp } from './dhcp.js';
import { type MetadataService, noFirewall, noMetadata, type PortFirewall } from './hooks.js';
import { applyRouter, removeRouter } from './routers.js';

// The linux network driver: Neutron's reference agents (linuxbridge, DHCP,
// L3) done in-process with ip, nft and dnsmasq, in namespaces of this cloud
// only (names.ts). It keeps the desired model (the last spec of every
// resource it was handed) and applies one change at a time, in order, so
// the host converges on the last state; each apply observes the host and
// does only what differs, so running it again is harmless.

export interface LinuxDriverOptions {
  dataDir: string;
  log: Logger;
  firewall?: PortFirewall;
  metadata?: MetadataService;
  /** How often a dead dnsmasq is looked for (ms); 0 turns the watchdog off. */
  watchdogMs?: number;
}

export class LinuxNetworkDriver implements NetworkDriver {
  readonly name = 'linux';
  readonly dhcpPorts = true;
  readonly ctx: Ctx;
  private chain: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private hostGatewayNet: string | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private unlisten: () => void;

  constructor(opts: LinuxDriverOptions) {
    const tag = hostTag(opts.dataDir);
    this.ctx = {
      tag,
      brns: bridgeNamespace(tag),
      runDir: join(opts.dataDir, 'run'),
      log: opts.log,
      model: emptyModel(),
      firewall: opts.firewall ?? noFirewall,
      metadata: opts.metadata ?? noMetadata,
      bridges: new Set(),
      prepared: new Set(),
    };
    mkdirSync(this.ctx.runDir, { recursive: true, mode: 0o755 });
    // every host command, at debug level (--log-level debug): what ran, how long, how it failed
    this.unlisten = onCommand((argv, ms, error) => {
      if (opts.log.isLevelEnabled('debug'))
        opts.log.debug({ argv, ms: Math.round(ms * 10) / 10, error: error?.message }, 'host command');
    });
    const every = opts.watchdogMs ?? 5000;
    if (every > 0) {
      this.watchdog = setInterval(() => this.checkDnsmasq(), every);
      this.watchdog.unref();
    }
  }

  /** Runs host work one job at a time, in the order asked. */
  private serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.chain.then(fn).finally(() => this.pending--);
    this.chain = next.catch((err) => this.ctx.log.warn({ err }, `network driver: ${what} failed`));
    return next;
  }

  /** Resolves when every change asked so far is applied (tests, bench). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }

  async close(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    await this.idle();
    this.unlisten();
    await this.ctx.metadata.close();
  }

  /** The security groups as the model says (the firewall coalesces close calls into one nft transaction). */
  private async syncFirewall(): Promise<void> {
    await ensureBridgeNamespace(this.ctx);
    await this.ctx.firewall.update(this.ctx.model);
  }

  // ----- networks

  async ensureNetwork(spec: NetworkSpec): Promise<void> {
    const before = this.ctx.model.networks.get(spec.id);
    this.ctx.model.networks.set(spec.id, spec);
    const shapeChanged =
      !before ||
      before.mtu !== spec.mtu ||
      JSON.stringify(before.subnets.map((s) => [s.id, s.cidr, s.gateway_ip])) !==
        JSON.stringify(spec.subnets.map((s) => [s.id, s.cidr, s.gateway_ip]));
    await this.serial(`network ${spec.id}`, async () => {
      await this.applyNetwork(spec.id, shapeChanged);
      // routers on it take their prefixes, MTU and gateways from it
      if (shapeChanged)
        for (const r of this.ctx.model.routers.values())
          if (r.gateway?.network_id === spec.id || r.interfaces.some((i) => i.network_id === spec.id))
            await applyRouter(this.ctx, r.id);
      await this.syncFirewall();
    });
  }

  private async applyNetwork(id: string, force = false): Promise<void> {
    const net = this.ctx.model.networks.get(id);
    if (!net) return;
    const bridge = await ensureNetworkBridge(this.ctx, id, force);
    if (net.host_address) {
      await ensureHostGateway(this.ctx, net, bridge);
      this.hostGatewayNet = id;
    } else if (this.hostGatewayNet === id) {
      await removeHostGateway(this.ctx);
      this.hostGatewayNet = undefined;
    }
    await applyDhcp(this.ctx, id);
  }

  async removeNetwork(id: string): Promise<void> {
    this.ctx.model.networks.delete(id);
    await this.serial(`network ${id} removal`, async () => {
      await removeDhcp(this.ctx, id);
      if (this.hostGatewayNet === id) {
        await removeHostGateway(this.ctx);
        this.hostGatewayNet = undefined;
      }
      await removeNetworkBridge(this.ctx, id);
      await this.syncFirewall();
    });
  }

  // ----- ports

  async ensurePort(spec: PortSpec): Promise<void> {
    const before = this.ctx.model.ports.get(spec.id);
    this.ctx.model.ports.set(spec.id, spec);
    await this.serial(`port ${spec.id}`, async () => {
      for (const net of new Set([spec.network_id, before?.network_id])) {
        if (!net) continue;
        if (spec.device_owner === DHCP_OWNER || before?.device_owner === DHCP_OWNER) await applyDhcp(this.ctx, net);
        else await refreshHosts(this.ctx, net);
      }
      await this.syncFirewall();
    });
  }

  async removePort(id: string): Promise<void> {
    const before = this.ctx.model.ports.get(id);
    this.ctx.model.ports.delete(id);
    await this.serial(`port ${id} removal`, async () => {
      if (before?.device_owner === DHCP_OWNER) await applyDhcp(this.ctx, before.network_id);
      else if (before) await refreshHosts(this.ctx, before.network_id);
      // a namespace plugged by `port plug` (a veth) is unplugged with its port; a guest's tap is its owner's
      if (namespaceExists(this.ctx.brns)) {
        const tap = (await linkStates(this.ctx.brns)).get(tapName(id));
        if (tap?.linkinfo?.info_kind === 'veth') await removeLink(this.ctx.brns, tap.ifname);
      }
      await this.syncFirewall();
    });
  }

  // ----- routers

  async ensureRouter(spec: RouterSpec): Promise<void> {
    this.ctx.model.routers.set(spec.id, spec);
    await this.serial(`router ${spec.id}`, () => applyRouter(this.ctx, spec.id));
  }

  async removeRouter(id: string): Promise<void> {
    this.ctx.model.routers.delete(id);
    await this.serial(`router ${id} removal`, () => removeRouter(this.ctx, id));
  }

  // ----- security groups (security-groups.ts does the rules)

  async ensureSecurityGroup(spec: SecurityGroupSpec): Promise<void> {
    this.ctx.model.securityGroups.set(spec.id, spec);
    await this.serial(`security group ${spec.id}`, () => this.syncFirewall());
  }

  async removeSecurityGroup(id: string): Promise<void> {
    this.ctx.model.securityGroups.delete(id);
    await this.serial(`security group ${id} removal`, () => this.syncFirewall());
  }

  // ----- start-up

  async reconcile(state: DesiredState): Promise<void> {
    const m = this.ctx.model;
    for (const map of [m.networks, m.ports, m.routers, m.securityGroups]) map.clear();
    for (const n of state.networks) m.networks.set(n.id, n);
    for (const p of state.ports) m.ports.set(p.id, p);
    for (const r of state.routers) m.routers.set(r.id, r);
    for (const g of state.securityGroups) m.securityGroups.set(g.id, g);
    this.serial('start-up reconcile', () => this.rebuild()).catch(() => {});
  }

  /** Removes what this cloud has on the host without a record, then applies every resource. */
  private async rebuild(): Promise<void> {
    const t0 = performance.now();
    const { ctx } = this;
    const m = ctx.model;
    await ensureBridgeNamespace(ctx);
    // namespaces: a qdhcp/qrouter of this cloud (marked with its tag) that should not be there goes
    const wanted = new Set([ctx.brns]);
    for (const n of m.networks.values()) if (wantsDhcp(ctx, n)) wanted.add(`qdhcp-${n.id}`);
    for (const r of m.routers.values()) if (r.admin_state_up) wanted.add(`qrouter-${r.id}`);
    const candidates = (await listNamespaces()).filter((n) => !wanted.has(n));
    if (candidates.length)
      for (const ns of await ownedNamespaces(ctx.tag)) if (!wanted.has(ns)) await removeNamespace(ns);
    // dnsmasq files (and any dnsmasq of them still running) of networks that no longer serve DHCP
    const dhcpRoot = join(ctx.runDir, 'dhcp');
    if (existsSync(dhcpRoot))
      for (const id of readdirSync(dhcpRoot))
        if (!wanted.has(`qdhcp-${id}`) && /^[0-9a-f-]{36}$/.test(id)) await removeDhcp(ctx, id);
    // the bridge namespace: bridges of deleted networks, veths of deleted ports
    const states = await linkStates(ctx.brns);
    const taps = new Set([...m.ports.keys()].map(tapName));
    const peer = hostVethPeerName(ctx.tag);
    const hostNet = [...m.networks.values()].find((n) => n.host_address);
    for (const [name, l] of states) {
      const kind = l.linkinfo?.info_kind;
      const orphan =
        (kind === 'bridge' &&
          name.startsWith('brq') &&
          ![...m.networks.keys()].some((id) => name === `brq${id.slice(0, 11)}`)) ||
        (kind === 'veth' && name.startsWith('tap') && !taps.has(name)) ||
        (name === peer && !hostNet);
      if (orphan) await removeLink(ctx.brns, name);
    }
    if (!hostNet) await removeLink(HOST_NS, hostVethName(ctx.tag));
    for (const id of m.networks.keys()) await this.applyNetwork(id, true);
    for (const id of m.routers.keys()) await applyRouter(ctx, id);
    await this.syncFirewall();
    ctx.log.info(
      { networks: m.networks.size, routers: m.routers.size, ms: Math.round(performance.now() - t0) },
      'network data plane reconciled',
    );
  }

  /** A dnsmasq that died is started again (the network is applied anew). */
  private checkDnsmasq(): void {
    if (this.pending > 0) return;
    for (const n of this.ctx.model.networks.values())
      if (wantsDhcp(this.ctx, n) && dnsmasqPid(this.ctx, n.id) === undefined) {
        this.ctx.log.warn({ network: n.id }, 'dnsmasq is not running: starting it again');
        this.serial(`dnsmasq of ${n.id}`, () => applyDhcp(this.ctx, n.id)).catch(() => {});
      }
  }
}

/** Everything a cloud (by its data dir) has on the host: its namespaces with their processes, and the host veth. */
export async function removeAllOnHost(dataDir: string): Promise<string[]> {
  const tag = hostTag(dataDir);
  const removed: string[] = [];
  for (const ns of await ownedNamespaces(tag)) {
    await removeNamespace(ns);
    removed.push(ns);
  }
  const veth = hostVethName(tag);
  if ((await linkStates(HOST_NS)).has(veth)) {
    await removeLink(HOST_NS, veth);
    removed.push(veth);
  }
  return removed;
}

export { dhcpDir };
