// The lists pages share, each with its poll rule.
import type {
  Backup,
  Flavor,
  FloatingIp,
  Image,
  Keypair,
  Network,
  Port,
  Router,
  SecurityGroup,
  Server,
  Stack,
  Subnet,
  Volume,
  VolumeSnapshot,
} from '../api/types.js';
import { pollInterval } from '../lib/status.js';
import { useApi } from './queries.js';

const all = (admin?: boolean, key = 'all_tenants') => (admin ? { [key]: 1 } : undefined);
const LIVE = 5000;

/** `live`: at least every 5 s, as the network lists (the topology draws both). */
export const useServers = (admin?: boolean, live?: boolean) =>
  useApi<Server[]>('compute', '/servers/detail', 'servers', {
    query: all(admin),
    poll: (rows) => (live ? Math.min(LIVE, pollInterval(rows, 'server')) : pollInterval(rows, 'server')),
  });
export const useFlavors = () => useApi<Flavor[]>('compute', '/flavors/detail', 'flavors');
export const useKeypairs = () => useApi<{ keypair: Keypair }[]>('compute', '/os-keypairs', 'keypairs');
export const useImages = () =>
  useApi<Image[]>('image', '/images', 'images', {
    query: { limit: 1000 },
    poll: (rows) => pollInterval(rows, 'image'),
  });
// Neutron lists everything an admin can see without asking; a member sees their own and shared
export const useNetworks = () => useApi<Network[]>('network', '/networks', 'networks', { poll: () => LIVE });
export const useSubnets = () => useApi<Subnet[]>('network', '/subnets', 'subnets', { poll: () => LIVE });
export const usePorts = (query?: Record<string, string>) =>
  useApi<Port[]>('network', '/ports', 'ports', { query, poll: () => LIVE });
export const useRouters = () => useApi<Router[]>('network', '/routers', 'routers', { poll: () => LIVE });
export const useFloatingIps = () =>
  useApi<FloatingIp[]>('network', '/floatingips', 'floatingips', { poll: () => LIVE });
export const useSecurityGroups = () => useApi<SecurityGroup[]>('network', '/security-groups', 'security_groups');
export const useVolumes = (admin?: boolean) =>
  useApi<Volume[]>('volume', '/volumes/detail', 'volumes', {
    query: all(admin),
    poll: (rows) => pollInterval(rows, 'volume'),
  });
export const useVolumeSnapshots = (admin?: boolean) =>
  useApi<VolumeSnapshot[]>('volume', '/snapshots/detail', 'snapshots', {
    query: all(admin),
    poll: (rows) => pollInterval(rows, 'volume'),
  });
export const useBackups = () =>
  useApi<Backup[]>('volume', '/backups/detail', 'backups', { poll: (rows) => pollInterval(rows, 'backup') });
export const useStacks = (admin?: boolean) =>
  useApi<Stack[]>('orchestration', '/stacks', 'stacks', {
    query: admin ? { global_tenant: 'True' } : undefined,
    poll: (rows) => pollInterval(rows, 'stack'),
  });

/** id → name for a list, for showing names where an API gives ids. */
export function names<T extends { id: string; name?: string | null }>(rows: T[] | undefined): Map<string, string> {
  return new Map((rows ?? []).map((r) => [r.id, r.name || r.id]));
}
