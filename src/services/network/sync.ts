import type { Cloud } from '../../cloud.js';
import type {
  DesiredState,
  NetworkResourceKind,
  NetworkSpec,
  PortSpec,
  RouterSpec,
  SecurityGroupSpec,
} from '../../drivers/network/driver.js';
import { networkDriver } from '../../drivers/network/index.js';
import type { Store } from '../../store/db.js';
import { fromJson } from '../../store/json.js';
import type { Op } from './common.js';
import { mdb } from './metering.js';
import { bool, type NetDb, ndb } from './store.js';

// The driver seam. Every change a data plane must apply is recorded as a
// durable `network.sync` task of the resource, in the transaction that makes
// the change; the task reads the resource's current state and has the driver
// ensure it (or remove it when it is gone). Tasks of one resource run in
// order, so the data plane converges on the last state whatever the timing.

const TASK = 'network.sync';

interface SyncPayload {
  kind: NetworkResourceKind;
  id: string;
}

/** Queue the data plane update of one resource with the current transaction. */
export async function sync(op: Pick<Op, 'cloud' | 'db'>, kind: NetworkResourceKind, id: string): Promise<void> {
  await op.cloud.tasks.enqueue<SyncPayload>(TASK, `${kind}:${id}`, { kind, id }, op.db as unknown as Store);
}

export function registerSync(cloud: Cloud): void {
  cloud.tasks.register<SyncPayload>(TASK, {
    maxAttempts: 10,
    async run(task) {
      const driver = networkDriver(cloud);
      const db = ndb(cloud);
      const { kind, id } = task.payload;
      if (kind === 'network') {
        const spec = await networkSpec(db, id);
        await (spec ? driver.ensureNetwork(spec) : driver.removeNetwork(id));
      } else if (kind === 'port') {
        const spec = await portSpec(db, id);
        await (spec ? driver.ensurePort(spec) : driver.removePort(id));
      } else if (kind === 'router') {
        const spec = await routerSpec(db, id);
        await (spec ? driver.ensureRouter(spec) : driver.removeRouter(id));
      } else {
        const spec = await securityGroupSpec(db, id);
        await (spec ? driver.ensureSecurityGroup(spec) : driver.removeSecurityGroup(id));
      }
    },
  });
}

/** The public subnet's range (recorded at first start): the host takes its gateway address. */
async function floatingRange(db: NetDb): Promise<string | undefined> {
  const row = await db
    .selectFrom('neutron_meta')
    .select('value')
    .where('key', '=', 'floating_range')
    .executeTakeFirst();
  return row?.value;
}

export async function networkSpec(db: NetDb, id: string, range?: string | null): Promise<NetworkSpec | undefined> {
  const net = await db.selectFrom('neutron_networks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!net) return undefined;
  const subnets = await db.selectFrom('neutron_subnets').selectAll().where('network_id', '=', id).execute();
  let hostAddress: string | null = null;
  if (net.external) {
    const r = range === undefined ? await floatingRange(db) : range;
    const pub = subnets.find((s) => s.ip_version === 4 && s.cidr === r && s.gateway_ip);
    if (pub) hostAddress = `${pub.gateway_ip}/${pub.cidr.split('/')[1]}`;
  }
  return {
    id,
    name: net.name,
    mtu: net.mtu,
    admin_state_up: bool(net.admin_state_up),
    external: bool(net.external),
    host_address: hostAddress,
    subnets: subnets.map((s) => ({
      id: s.id,
      cidr: s.cidr,
      ip_version: s.ip_version as 4 | 6,
      gateway_ip: s.gateway_ip,
      enable_dhcp: bool(s.enable_dhcp),
      allocation_pools: fromJson(s.allocation_pools, []),
      dns_nameservers: fromJson(s.dns_nameservers, []),
      host_routes: fromJson(s.host_routes, []),
    })),
  };
}

async function fixedIps(db: NetDb, portId: string) {
  return db
    .selectFrom('neutron_ip_allocations')
    .select(['subnet_id', 'ip_address'])
    .where('port_id', '=', portId)
    .execute();
}

export async function portSpec(db: NetDb, id: string): Promise<PortSpec | undefined> {
  const p = await db.selectFrom('neutron_ports').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p) return undefined;
  const groups = await db
    .selectFrom('neutron_port_security_groups')
    .select('security_group_id')
    .where('port_id', '=', id)
    .execute();
  return {
    id,
    network_id: p.network_id,
    mac_address: p.mac_address,
    fixed_ips: await fixedIps(db, id),
    admin_state_up: bool(p.admin_state_up),
    device_id: p.device_id,
    device_owner: p.device_owner,
    host: p.binding_host_id,
    port_security_enabled: bool(p.port_security_enabled),
    security_group_ids: groups.map((g) => g.security_group_id),
    allowed_address_pairs: fromJson(p.allowed_address_pairs, []),
  };
}

export async function routerSpec(db: NetDb, id: string): Promise<RouterSpec | undefined> {
  const r = await db.selectFrom('neutron_routers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  const ports = await db.selectFrom('neutron_ports').selectAll().where('device_id', '=', id).execute();
  const gw = ports.find((p) => p.id === r.gw_port_id);
  const interfaces: RouterSpec['interfaces'] = [];
  for (const p of ports.filter((p) => p.device_owner === 'network:router_interface')) {
    for (const ip of await fixedIps(db, p.id)) {
      const subnet = await db
        .selectFrom('neutron_subnets')
        .select('cidr')
        .where('id', '=', ip.subnet_id)
        .executeTakeFirstOrThrow();
      interfaces.push({
        port_id: p.id,
        network_id: p.network_id,
        ...ip,
        cidr: subnet.cidr,
        mac_address: p.mac_address,
      });
    }
  }
  const fips = await db
    .selectFrom('neutron_floatingips')
    .select(['id', 'floating_ip_address', 'fixed_ip_address', 'port_id'])
    .where('router_id', '=', id)
    .execute();
  const meteringRules = await mdb(db)
    .selectFrom('neutron_metering_label_rules')
    .selectAll()
    .where('project_id', '=', r.project_id)
    .orderBy('metering_label_id')
    .execute();
  const labels = [...new Set(meteringRules.map((m) => m.metering_label_id))];
  return {
    id,
    admin_state_up: bool(r.admin_state_up),
    metering: labels.map((label_id) => ({
      label_id,
      rules: meteringRules
        .filter((m) => m.metering_label_id === label_id)
        .map((m) => ({
          direction: m.direction as 'ingress' | 'egress',
          remote_ip_prefix: m.remote_ip_prefix,
          excluded: m.excluded === 1,
        })),
    })),
    gateway: gw
      ? {
          network_id: gw.network_id,
          port_id: gw.id,
          mac_address: gw.mac_address,
          fixed_ips: await fixedIps(db, gw.id),
          enable_snat: bool(r.enable_snat),
        }
      : null,
    interfaces,
    routes: fromJson(r.routes, []),
    floating_ips: fips.map((f) => ({
      id: f.id,
      floating_ip_address: f.floating_ip_address,
      fixed_ip_address: f.fixed_ip_address!,
      port_id: f.port_id!,
    })),
  };
}

export async function securityGroupSpec(db: NetDb, id: string): Promise<SecurityGroupSpec | undefined> {
  const sg = await db.selectFrom('neutron_security_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!sg) return undefined;
  const rules = await db
    .selectFrom('neutron_security_group_rules')
    .selectAll()
    .where('security_group_id', '=', id)
    .execute();
  return {
    id,
    stateful: bool(sg.stateful),
    rules: rules.map((r) => ({
      id: r.id,
      direction: r.direction as 'ingress' | 'egress',
      ethertype: r.ethertype as 'IPv4' | 'IPv6',
      protocol: r.protocol,
      port_range_min: r.port_range_min,
      port_range_max: r.port_range_max,
      remote_ip_prefix: r.remote_ip_prefix,
      remote_group_id: r.remote_group_id,
    })),
  };
}

/** Every resource's spec, for the driver's reconcile at start. */
export async function desiredState(db: NetDb): Promise<DesiredState> {
  const range = (await floatingRange(db)) ?? null;
  const ids = async (table: 'neutron_networks' | 'neutron_ports' | 'neutron_routers' | 'neutron_security_groups') =>
    (await db.selectFrom(table).select('id').orderBy('created_at').execute()).map((r) => r.id);
  const all = async <T>(list: string[], spec: (id: string) => Promise<T | undefined>): Promise<T[]> => {
    const out: T[] = [];
    for (const id of list) {
      const one = await spec(id);
      if (one) out.push(one);
    }
    return out;
  };
  return {
    networks: await all(await ids('neutron_networks'), (id) => networkSpec(db, id, range)),
    ports: await all(await ids('neutron_ports'), (id) => portSpec(db, id)),
    routers: await all(await ids('neutron_routers'), (id) => routerSpec(db, id)),
    securityGroups: await all(await ids('neutron_security_groups'), (id) => securityGroupSpec(db, id)),
  };
}

/** At start: hands the driver everything the store says, so it rebuilds what is missing and drops what has no record. */
export async function reconcileDataPlane(cloud: Cloud): Promise<void> {
  const driver = networkDriver(cloud);
  if (!driver.reconcile) return;
  await driver.reconcile(await desiredState(ndb(cloud)));
}
