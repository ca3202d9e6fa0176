import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { now } from '../../server/time.js';
import { getProjectByName } from '../identity/store.js';
import { parseCreate } from './attributes.js';
import type { Op, Resource } from './common.js';
import { formatCidr, formatIp, parseCidr } from './ip.js';
import { defaultPools, type Pool } from './ipam.js';
import { networks } from './networks.js';
import { addRouterInterface } from './router-interfaces.js';
import { routers } from './routers.js';
import { inTransaction, ndb } from './store.js';
import { subnetPools } from './subnet-pools.js';
import { subnets } from './subnets.js';

/** A cloud-admin caller for work pocketstack does on its own behalf (seeding, Nova's calls). */
export function serviceContext(projectId?: string): AuthContext {
  return {
    tokenHash: '',
    userId: 'pocketstack',
    userName: 'pocketstack',
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId,
    system: false,
    roles: ['admin', 'member', 'reader'],
    roleIds: [],
    isAdmin: true,
    methods: [],
    auditIds: [],
    issuedAt: now(),
    expiresAt: now(),
  };
}

async function make(op: Op, r: Resource, projectId: string, body: Record<string, unknown>): Promise<string> {
  return r.create(op, parseCreate(op.ctx, { ...body, project_id: projectId }, r.attrs));
}

/** The public subnet of a floating range (DevStack's FLOATING_RANGE): gateway .1, the rest a pool. */
export function publicSubnet(range: string): { cidr: string; gateway_ip: string; allocation_pools: Pool[] } {
  const c = parseCidr(range);
  if (c?.version !== 4 || c.hostBits || c.prefix > 29)
    throw new Error(`floating range ${range} is not an IPv4 network of at least 8 addresses (like 172.24.4.0/24)`);
  const gateway_ip = formatIp({ version: 4, value: c.network + 1n });
  return { cidr: formatCidr(c), gateway_ip, allocation_pools: defaultPools(c, gateway_ip) };
}

/** The floating range the public subnet was made with (recorded at first start), if seeded. */
export async function seededFloatingRange(cloud: Cloud): Promise<string | undefined> {
  const row = await ndb(cloud)
    .selectFrom('neutron_meta')
    .select('value')
    .where('key', '=', 'floating_range')
    .executeTakeFirst();
  return row?.value;
}

/**
 * What DevStack's stack.sh leaves behind, made once on first start: the
 * external network `public` (admin's, not shared, the default one) with the
 * floating range (172.24.4.0/24 unless `--floating-range` says otherwise) and
 * 2001:db8::/64, the shared default subnet pool 10.0.0.0/22, and for `demo`
 * the network `private` (10.0.0.0/26 from that pool) joined to `public` by
 * `router1`.
 */
export async function seedNetworks(cloud: Cloud): Promise<void> {
  const db = ndb(cloud);
  if (await db.selectFrom('neutron_meta').select('key').where('key', '=', 'seeded').executeTakeFirst()) return;
  const admin = await getProjectByName(cloud, 'default', 'admin');
  const demo = await getProjectByName(cloud, 'default', 'demo');
  if (!admin || !demo) return;
  await inTransaction(cloud, async (trx) => {
    const op: Op = { cloud, db: trx, ctx: serviceContext(admin.id) };
    const pub = await make(op, networks, admin.id, {
      name: 'public',
      'router:external': true,
      // the default external network: auto-allocated topologies uplink to it
      is_default: true,
      mtu: 1500,
      'provider:network_type': 'flat',
      'provider:physical_network': 'public',
    });
    await make(op, subnets, admin.id, {
      name: 'public-subnet',
      network_id: pub,
      ip_version: 4,
      ...publicSubnet(cloud.config.floatingRange),
      enable_dhcp: false,
    });
    await make(op, subnets, admin.id, {
      name: 'ipv6-public-subnet',
      network_id: pub,
      ip_version: 6,
      cidr: '2001:db8::/64',
      gateway_ip: '2001:db8::2',
      enable_dhcp: false,
    });
    const pool = await make(op, subnetPools, admin.id, {
      name: 'shared-default-subnetpool-v4',
      prefixes: ['10.0.0.0/22'],
      default_prefixlen: 26,
      shared: true,
      is_default: true,
    });
    const priv = await make(op, networks, demo.id, { name: 'private' });
    // carved from the default pool, as DevStack does: 10.0.0.0/26
    const privSubnet = await make(op, subnets, demo.id, {
      name: 'private-subnet',
      network_id: priv,
      ip_version: 4,
      subnetpool_id: pool,
    });
    const router = await make(op, routers, demo.id, { name: 'router1', external_gateway_info: { network_id: pub } });
    await addRouterInterface(op, router, { subnet_id: privSubnet });
    await trx.insertInto('neutron_meta').values({ key: 'seeded', value: now() }).execute();
    await trx.insertInto('neutron_meta').values({ key: 'floating_range', value: cloud.config.floatingRange }).execute();
  });
}
