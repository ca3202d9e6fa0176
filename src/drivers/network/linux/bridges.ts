import {
  addressLines,
  ensureBridge,
  ensureVeth,
  HOST_NS,
  ipBatch,
  linkStates,
  removeLink,
} from '../../../host/links.js';
import { bridgeName, hostVethName, hostVethPeerName, ownerAlias } from '../../../host/names.js';
import { ensureNamespace, namespaceExists } from '../../../host/netns.js';
import { replaceTable } from '../../../host/nft.js';
import type { NetworkSpec } from '../driver.js';
import type { Ctx } from './context.js';

// The bridge namespace (pocketstack-<tag>): one Linux bridge per network, as
// the linuxbridge agent makes brq<net> per network, with every port's
// bridge-side device on it. And the one device pocketstack puts in the
// host's own namespace: the veth psgw-<tag> with the public network's
// gateway address (DevStack's br-ex), so the host reaches floating IPs. An
// nftables rule in the bridge namespace lets through to that veth only what
// is addressed to the host itself, so nothing is ever routed through the
// host to the outside.

export const GATEWAY_TABLE = 'pocketstack_gw';

export async function ensureBridgeNamespace(ctx: Ctx): Promise<void> {
  if (ctx.prepared.has(ctx.brns) && namespaceExists(ctx.brns)) return;
  await ensureNamespace(ctx.brns, ctx.tag);
  ctx.prepared.add(ctx.brns);
}

/** The network's bridge, with its MTU (the model's, 1500 when the network is not known yet). */
export async function ensureNetworkBridge(ctx: Ctx, networkId: string, force = false): Promise<string> {
  const name = bridgeName(networkId);
  if (force || !ctx.bridges.has(name)) {
    await ensureBridgeNamespace(ctx);
    await ensureBridge(ctx.brns, name, ctx.model.networks.get(networkId)?.mtu ?? 1500);
    ctx.bridges.add(name);
  }
  return name;
}

export async function removeNetworkBridge(ctx: Ctx, networkId: string): Promise<void> {
  const name = bridgeName(networkId);
  ctx.bridges.delete(name);
  if (namespaceExists(ctx.brns)) await removeLink(ctx.brns, name);
}

/** What the bridge namespace lets through to the host veth: IPv4 for the host's own address (and ARP), nothing else. */
export function gatewayRules(peer: string, hostIp: string): string {
  return [
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    `    oifname "${peer}" ether type ip ip daddr != ${hostIp} drop`,
    `    oifname "${peer}" ether type ip6 drop`,
    `    iifname "${peer}" ether type ip ip saddr != ${hostIp} drop`,
    `    iifname "${peer}" ether type ip6 drop`,
    '  }',
  ].join('\n');
}

/** Another host device already holding an address of this prefix: then the host veth is not made (two clouds, one range). */
async function hostConflict(ctx: Ctx, cidr: string): Promise<string | undefined> {
  const [ip, prefix] = cidr.split('/');
  const mine = hostVethName(ctx.tag);
  const toInt = (a: string) => a.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
  const mask = (a: string, p: number) => Math.floor(toInt(a) / 2 ** (32 - p));
  for (const [name, l] of await linkStates(HOST_NS)) {
    if (name === mine) continue;
    for (const a of l.addr_info ?? [])
      if (a.family === 'inet') {
        const p = Math.min(a.prefixlen, Number(prefix));
        if (mask(a.local, p) === mask(ip, p)) return name;
      }
  }
  return undefined;
}

/** The host veth on this (public) network's bridge with `net.host_address`, and the rule that keeps it from being a way out. */
export async function ensureHostGateway(ctx: Ctx, net: NetworkSpec, bridge: string): Promise<void> {
  const address = net.host_address;
  if (!address || address.includes(':')) return;
  const dev = hostVethName(ctx.tag);
  const peer = hostVethPeerName(ctx.tag);
  const clash = await hostConflict(ctx, address);
  if (clash) {
    ctx.log.warn(
      { device: clash, address },
      `the host already has an address in ${address} on ${clash}: no host veth for this cloud (start it with another --floating-range)`,
    );
    return;
  }
  await ensureVeth(HOST_NS, dev, ctx.brns, peer, { mtu: net.mtu });
  const have = (await linkStates(HOST_NS)).get(dev);
  await ipBatch(HOST_NS, [
    `link set dev ${dev} mtu ${net.mtu} alias ${ownerAlias(ctx.tag)} up`,
    ...addressLines(dev, have?.addr_info, [address]),
  ]);
  await ipBatch(ctx.brns, [`link set dev ${peer} master ${bridge} mtu ${net.mtu} up`]);
  await replaceTable(ctx.brns, 'bridge', GATEWAY_TABLE, gatewayRules(peer, address.split('/')[0]));
}

export async function removeHostGateway(ctx: Ctx): Promise<void> {
  await removeLink(HOST_NS, hostVethName(ctx.tag));
  if (namespaceExists(ctx.brns)) await replaceTable(ctx.brns, 'bridge', GATEWAY_TABLE, undefined);
}
