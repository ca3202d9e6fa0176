import { run } from '../../../host/exec.js';
import { addressLines, ensureVeth, ipBatch, linkStates } from '../../../host/links.js';
import { gatewayInterfaceName, routerInterfaceName, routerNamespace, tapName } from '../../../host/names.js';
import { ensureNamespace, namespaceExists, removeNamespace } from '../../../host/netns.js';
import { replaceTable } from '../../../host/nft.js';
import type { RouterSpec } from '../driver.js';
import { ensureNetworkBridge } from './bridges.js';
import { type Ctx, withPrefix } from './context.js';
import { NAT_TABLE, natRules } from './nat.js';

// A router, as Neutron's L3 agent makes it (legacy mode): a qrouter-<id>
// namespace with forwarding on, one qr-<port> leg per interface port on its
// network's bridge (the subnet gateway address, or the port's own address
// for `router add port`), the qg-<port> gateway leg on the external network's
// bridge with the gateway addresses and each floating IP as a /32, the
// default route via the external subnet's gateway, the extra routes, and the
// NAT table (nat.ts).

interface Leg {
  dev: string;
  tap: string;
  mac: string;
  networkId: string;
  mtu: number;
  cidrs: string[];
}

const nats = new WeakMap<Ctx, Map<string, string>>();
function appliedNat(ctx: Ctx): Map<string, string> {
  let m = nats.get(ctx);
  if (!m) nats.set(ctx, (m = new Map()));
  return m;
}

function legsOf(ctx: Ctx, r: RouterSpec): Leg[] {
  const legs = new Map<string, Leg>();
  const mtu = (net: string) => ctx.model.networks.get(net)?.mtu ?? 1500;
  for (const i of r.interfaces) {
    const dev = routerInterfaceName(i.port_id);
    const leg = legs.get(dev) ?? {
      dev,
      tap: tapName(i.port_id),
      mac: i.mac_address,
      networkId: i.network_id,
      mtu: mtu(i.network_id),
      cidrs: [],
    };
    leg.cidrs.push(`${i.ip_address}/${i.cidr.split('/')[1]}`);
    legs.set(dev, leg);
  }
  if (r.gateway) {
    const g = r.gateway;
    const dev = gatewayInterfaceName(g.port_id);
    legs.set(dev, {
      dev,
      tap: tapName(g.port_id),
      mac: g.mac_address,
      networkId: g.network_id,
      mtu: mtu(g.network_id),
      cidrs: [
        ...g.fixed_ips.map((ip) => withPrefix(ctx.model, g.network_id, ip.subnet_id, ip.ip_address)),
        ...r.floating_ips
          .filter((f) => f.fixed_ip_address)
          .map((f) => `${f.floating_ip_address}/${f.floating_ip_address.includes(':') ? 128 : 32}`),
      ],
    });
  }
  return [...legs.values()];
}

/** Static routes the router should have: default via each external subnet's gateway, then the extra routes. */
function wantedRoutes(ctx: Ctx, r: RouterSpec): { destination: string; nexthop: string }[] {
  const out: { destination: string; nexthop: string }[] = [];
  if (r.gateway) {
    const subnets = ctx.model.networks.get(r.gateway.network_id)?.subnets ?? [];
    for (const version of [4, 6]) {
      const ip = r.gateway.fixed_ips.find((f) => f.ip_address.includes(':') === (version === 6));
      const gw = ip && subnets.find((s) => s.id === ip.subnet_id)?.gateway_ip;
      if (gw && gw !== ip.ip_address) out.push({ destination: version === 4 ? '0.0.0.0/0' : '::/0', nexthop: gw });
    }
  }
  for (const route of r.routes)
    if (
      !out.some(
        (o) =>
          routeKey(o.destination, o.nexthop).split(' ')[0] === routeKey(route.destination, route.nexthop).split(' ')[0],
      )
    )
      out.push(route);
  return out;
}

interface RouteInfo {
  dst: string;
  gateway?: string;
}

async function staticRoutes(ns: string): Promise<RouteInfo[]> {
  const out: RouteInfo[] = [];
  for (const family of ['-4', '-6']) {
    const text = await run('ip', ['-n', ns, '-j', family, 'route', 'show', 'proto', 'static']);
    if (text.trim()) out.push(...(JSON.parse(text) as RouteInfo[]));
  }
  return out;
}

/** One spelling per route, whichever way ip or Neutron writes it (default, 0.0.0.0/0, ::/0, a host route without /32). */
function routeKey(dst: string, hop: string | undefined): string {
  const v6 = (hop ?? dst).includes(':');
  let d = dst;
  if (d === 'default' || d === '0.0.0.0/0' || d === '::/0') d = v6 ? '::/0' : '0.0.0.0/0';
  else if (!d.includes('/')) d = `${d}/${v6 ? 128 : 32}`;
  return `${d} ${hop ?? ''}`;
}

export async function applyRouter(ctx: Ctx, routerId: string): Promise<void> {
  const r = ctx.model.routers.get(routerId);
  if (!r?.admin_state_up) return removeRouter(ctx, routerId);
  const ns = routerNamespace(routerId);
  await ensureNamespace(ns, ctx.tag);
  if (!ctx.prepared.has(ns)) {
    await run('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'], { netns: ns });
    ctx.prepared.add(ns);
  }
  const legs = legsOf(ctx, r);
  const bridges = new Map<string, string>();
  for (const leg of legs) bridges.set(leg.networkId, await ensureNetworkBridge(ctx, leg.networkId));
  const states = await linkStates(ns);
  const wanted = new Set(legs.map((l) => l.dev));
  const stale = [...states.keys()].filter((n) => (n.startsWith('qr-') || n.startsWith('qg-')) && !wanted.has(n));
  if (stale.length)
    await ipBatch(
      ns,
      stale.map((n) => `link delete dev ${n}`),
    );
  const missing = legs.filter((l) => !states.has(l.dev));
  // a new leg has the port's MAC and no address yet
  for (const leg of missing) await ensureVeth(ctx.brns, leg.tap, ns, leg.dev, { mtu: leg.mtu, peerMac: leg.mac });
  const lines: string[] = [];
  for (const leg of legs) {
    const have = states.get(leg.dev);
    if (have?.address && have.address !== leg.mac) lines.push(`link set dev ${leg.dev} address ${leg.mac}`);
    lines.push(`link set dev ${leg.dev} mtu ${leg.mtu} up`, ...addressLines(leg.dev, have?.addr_info, leg.cidrs));
  }
  await ipBatch(ns, lines);
  await ipBatch(
    ctx.brns,
    legs.map((l) => `link set dev ${l.tap} master ${bridges.get(l.networkId)} mtu ${l.mtu} up`),
  );
  await applyRoutes(ctx, ns, r);
  const gw = legs.find((l) => l.dev.startsWith('qg-'))?.dev;
  const body = natRules(r, gw);
  const nat = appliedNat(ctx);
  if (nat.get(routerId) !== body) {
    await replaceTable(ns, 'ip', NAT_TABLE, body);
    nat.set(routerId, body);
  }
  await ctx.metadata.ensure(ns, { routerId });
}

/** Routes one by one: an extra route whose next hop is not reachable (yet) must not keep the others out. */
async function applyRoutes(ctx: Ctx, ns: string, r: RouterSpec): Promise<void> {
  const wanted = wantedRoutes(ctx, r);
  const have = await staticRoutes(ns);
  const wantedKeys = new Set(wanted.map((w) => routeKey(w.destination, w.nexthop)));
  const haveKeys = new Set(have.map((h) => routeKey(h.dst, h.gateway)));
  for (const h of have) {
    if (wantedKeys.has(routeKey(h.dst, h.gateway))) continue;
    const family = (h.gateway ?? h.dst).includes(':') ? '-6' : '-4';
    await run('ip', [
      '-n',
      ns,
      family,
      'route',
      'del',
      h.dst,
      ...(h.gateway ? ['via', h.gateway] : []),
      'proto',
      'static',
    ]).catch((err) => ctx.log.warn({ err, router: r.id }, 'removing a route failed'));
  }
  for (const w of wanted) {
    if (haveKeys.has(routeKey(w.destination, w.nexthop))) continue;
    const family = w.nexthop.includes(':') ? '-6' : '-4';
    const dst = w.destination === '::/0' || w.destination === '0.0.0.0/0' ? 'default' : w.destination;
    await run('ip', ['-n', ns, family, 'route', 'replace', dst, 'via', w.nexthop, 'proto', 'static']).catch((err) =>
      ctx.log.warn({ err, router: r.id, route: w }, 'a router route could not be set'),
    );
  }
}

export async function removeRouter(ctx: Ctx, routerId: string): Promise<void> {
  const ns = routerNamespace(routerId);
  appliedNat(ctx).delete(routerId);
  ctx.prepared.delete(ns);
  if (!namespaceExists(ns)) return;
  await ctx.metadata.remove(ns);
  await removeNamespace(ns);
}
