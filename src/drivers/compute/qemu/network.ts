import { ensureBridge, ensureTap, linkExists, removeLink } from '../../../host/links.js';
import { bridgeName, bridgeNamespace, tapName } from '../../../host/names.js';
import { ensureNamespace } from '../../../host/netns.js';
import type { GuestPort } from '../driver.js';

// A guest's NICs are taps on its networks' bridges, in the cloud's bridge
// namespace, where qemu runs so that it can open them by name. The linux
// network driver makes the namespace and bridges; they are ensured here too
// (idempotent) so a guest can start before, or without, it.

export async function plugPort(tag: string, port: GuestPort): Promise<void> {
  const ns = bridgeNamespace(tag);
  await ensureNamespace(ns, tag);
  const bridge = bridgeName(port.network_id);
  const mtu = port.mtu ?? 1500;
  // the network driver owns the bridge's settings: only make it when it is missing
  if (!(await linkExists(ns, bridge))) await ensureBridge(ns, bridge, mtu);
  await ensureTap(ns, tapName(port.port_id), bridge, mtu);
}

export async function unplugPort(tag: string, portId: string): Promise<void> {
  await removeLink(bridgeNamespace(tag), tapName(portId));
}

/** The namespace qemu runs in (made when missing, marked as the cloud's). */
export async function guestNamespace(tag: string): Promise<string> {
  const ns = bridgeNamespace(tag);
  await ensureNamespace(ns, tag);
  return ns;
}
