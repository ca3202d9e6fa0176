import { run } from './exec.js';

// Devices inside a namespace: bridges, veth pairs, taps, addresses. Each
// ensure* leaves the device as asked whether or not it existed before; each
// remove* is a no-op when the device is already gone.

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
    await run('ip', ['-n', ns, 'link', 'show', 'dev', name]);
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
  if (await linkExists(ns, name)) await run('ip', ['-n', ns, 'link', 'delete', name]);
}
