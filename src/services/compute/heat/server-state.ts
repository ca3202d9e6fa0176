import * as neutron from '../../network/internal.js';
import { type ResourceContext, ResourceError } from '../../orchestration/engine/plugin.js';
import * as internal from '../internal.js';
import { isGone, novaCall } from './nova.js';

// Waiting on a server's status, and what Heat shows of a server as attributes.

/** Waits until the server reaches one of `wanted`; ERROR fails with Nova's fault, as Heat reports it. */
export async function waitFor(r: ResourceContext, wanted: string[]): Promise<void> {
  // back off: many servers waiting at once must not keep Nova busy
  for (let delay = 10; ; delay = Math.min(Math.ceil(delay * 1.5), 500)) {
    const s = await novaCall(internal.serverState(r.cloud, r.caller, r.physicalId!));
    if (wanted.includes(s.status)) return;
    if (s.status === 'ERROR') {
      const fault: { message?: string; code?: number } = s.fault ?? {};
      throw new ResourceError(
        'ResourceInError',
        `Went to status ERROR due to "Message: ${fault.message ?? 'Unknown'}, Code: ${fault.code ?? 'Unknown'}"`,
      );
    }
    await r.sleep(delay);
  }
}

/** Waits until Nova no longer has the server. */
export async function waitGone(r: ResourceContext): Promise<void> {
  for (let delay = 10; ; delay = Math.min(Math.ceil(delay * 1.5), 500)) {
    try {
      const s = await novaCall(internal.serverState(r.cloud, r.caller, r.physicalId!));
      if (s.status === 'DELETED' || s.status === 'SOFT_DELETED') return;
      if (s.status === 'ERROR' && !s.taskState)
        throw new ResourceError(
          'ResourceInError',
          `Went to status ERROR due to "Server ${r.physicalId} failed to delete"`,
        );
    } catch (e) {
      if (isGone(e)) return;
      throw e;
    }
    await r.sleep(delay);
  }
}

type Address = { addr: string; version: number; 'OS-EXT-IPS:type'?: string };

export async function serverAttribute(r: ResourceContext, name: string): Promise<unknown> {
  if (!r.physicalId) return null;
  const s: Record<string, any> | undefined = await internal
    .getServer(r.cloud, r.caller, r.physicalId)
    .catch(() => undefined);
  if (!s) return null;
  const addresses = (s.addresses ?? {}) as Record<string, Address[]>;
  switch (name) {
    case 'show':
      return s;
    case 'addresses':
      return addresses;
    case 'networks': {
      const out: Record<string, string[]> = {};
      for (const [net, list] of Object.entries(addresses)) {
        const ips = list.map((a) => a.addr);
        out[net] = ips;
        const found = await neutron.findNetwork(r.cloud, r.caller, net).catch(() => undefined);
        if (found) out[found.id as string] = ips;
      }
      return out;
    }
    case 'first_address': {
      const first = Object.values(addresses)[0] ?? [];
      return (first.find((a) => a.version === 4) ?? first[0])?.addr ?? '';
    }
    case 'accessIPv4':
    case 'accessIPv6':
    case 'name':
      return s[name] ?? '';
    case 'instance_name':
      return s['OS-EXT-SRV-ATTR:instance_name'] ?? null;
    case 'tags':
      return s.tags ?? [];
    case 'console_urls': {
      const c = await internal.remoteConsole(r.cloud, r.caller, r.physicalId, 'vnc', 'novnc').catch(() => undefined);
      return c ? { novnc: c.url } : {};
    }
    case 'os_collect_config':
      return {};
    default:
      return undefined;
  }
}
