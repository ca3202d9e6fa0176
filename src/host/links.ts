import { run } from './exec.js';

// Devices inside a namespace: bridges, veth pairs, taps, addresses. Each
// ensure* leaves the device as asked whether or not it existed before; each
// remove* is a no-op when the device is already gone.

/** The host's own namespace, for the few calls that act there (the public veth). */
export const HOST_NS = '';

const ns_ = (ns: string) => (ns === HOST_NS ? [] : ['-n', ns]);

export interface LinkInfo {
  ifname: string;
  address?: string;
  mtu?: number;
  master?: string;
  operstate?: string;
  ifalias?: string;
  linkinfo?: { info_kind?: string };
}

/** Every device in the namespace (`ip -d -j link show`). */
export async function listLinks(ns: string): Promise<LinkInfo[]> {
  const out = await run('ip', ['-n', ns, '-d', '-j', 'link', 'show']);
  return out.trim() ? (JSON.parse(out) as LinkInfo[]) : [];
}

export async function linkExists(ns: string, name: string): Promise<boolean> {
  try {
    await run('ip', [...ns_(ns), 'link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

/** A bridge named `name`, up, with the given MTU. */
export async function ensureBridge(ns: string, name: string, mtu: number): Promise<void> {
  if (!(await linkExists(ns, name))) {
    await run('ip', ['-n', ns, 'link', 'add', name, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']).catch(
      async (e) => {
        if (!(await linkExists(ns, name))) throw e;
      },
    );
  }
  await run('ip', ['-n', ns, 'link', 'set', name, 'mtu', String(mtu), 'up']);
}

/**
 * A tap device `name` (for a qemu guest) on `bridge`, with the port's MTU,
 * up. The guest's MAC is qemu's to set; the tap keeps its own.
 */
export async function ensureTap(ns: string, name: string, bridge: string, mtu: number): Promise<void> {
  if (!(await linkExists(ns, name))) await run('ip', ['-n', ns, 'tuntap', 'add', 'dev', name, 'mode', 'tap']);
  await run('ip', ['-n', ns, 'link', 'set', name, 'mtu', String(mtu), 'master', bridge, 'up']);
}

/** Deletes the device (both ends, for a veth). */
export async function removeLink(ns: string, name: string): Promise<void> {
  if (!(await linkExists(ns, name))) return;
  try {
    await run('ip', [...ns_(ns), 'link', 'delete', name]);
  } catch (e) {
    // gone meanwhile: a veth goes with its peer, also when the peer's namespace is being deleted
    if (await linkExists(ns, name)) throw e;
  }
}

export interface AddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope?: string;
}

export interface LinkState extends LinkInfo {
  addr_info?: AddrInfo[];
}

/** Every device of the namespace with its addresses, by name (`ip -d -j addr show`): one call observes it all. */
export async function linkStates(ns: string): Promise<Map<string, LinkState>> {
  const out = await run('ip', [...ns_(ns), '-d', '-j', 'addr', 'show']);
  const list = out.trim() ? (JSON.parse(out) as LinkState[]) : [];
  return new Map(list.map((l) => [l.ifname, l]));
}

/**
 * Runs `ip` commands (one per line, without the leading `ip`) in the
 * namespace in one process (`ip -batch -`); stops at the first that fails.
 * Only idempotent commands belong here (replace, set).
 */
export async function ipBatch(ns: string, lines: string[]): Promise<void> {
  if (!lines.length) return;
  for (const l of lines) if (l.includes('\n') || l.includes('"')) throw new Error(`not a batch line: ${l}`);
  await run('ip', [...ns_(ns), '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/**
 * A veth pair: `name` in `ns` (HOST_NS for the host) and `peer` in the named namespace `peerNs`,
 * both with `mtu`, the peer with `peerMac` when given. Made only when `name`
 * is missing; a half-made pair (one end left) is replaced.
 */
export async function ensureVeth(
  ns: string,
  name: string,
  peerNs: string,
  peer: string,
  opts: { mtu: number; peerMac?: string },
): Promise<void> {
  if (await linkExists(ns, name)) return;
  if (await linkExists(peerNs, peer)) await run('ip', ['-n', peerNs, 'link', 'delete', peer]);
  await run('ip', [
    ...ns_(ns),
    'link',
    'add',
    name,
    'mtu',
    String(opts.mtu),
    'type',
    'veth',
    'peer',
    'name',
    peer,
    ...(opts.peerMac ? ['address', opts.peerMac] : []),
    'mtu',
    String(opts.mtu),
    'netns',
    peerNs,
  ]);
}

/** The `ip addr` lines that make `dev` carry exactly `cidrs` (IPv6 link-local addresses are left alone). */
export function addressLines(dev: string, have: AddrInfo[] | undefined, cidrs: string[]): string[] {
  const key = (a: AddrInfo) => `${a.local}/${a.prefixlen}`;
  const present = new Set((have ?? []).map(key));
  const wanted = new Set(cidrs);
  const lines: string[] = [];
  for (const a of have ?? [])
    if (!wanted.has(key(a)) && !(a.family === 'inet6' && a.scope === 'link'))
      lines.push(`addr del ${key(a)} dev ${dev}`);
  for (const c of cidrs)
    if (!present.has(c)) lines.push(`addr replace ${c} dev ${dev}${c.includes(':') ? ' nodad' : ''}`);
  return lines;
}
