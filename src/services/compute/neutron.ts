import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { ApiError, BadRequest, Conflict, Forbidden, NotFound } from '../../server/errors.js';
import {
  addServerSecurityGroup,
  associateFloatingIp,
  autoAllocatedNetwork,
  availableNetworks,
  bindPort,
  createResource,
  createServerPort,
  deleteResource,
  findFloatingIp,
  findNetwork,
  findSecurityGroup,
  listResources,
  releaseServerPorts,
  removeServerSecurityGroup,
  type ServerAddress,
  serverAddresses,
  serverPortInfos,
  serverPorts,
  serverSecurityGroups,
  showResource,
  unbindPort,
  updateResource,
} from '../network/internal.js';
import type { PortWithSubnets, SubnetInfo } from './metadata/content.js';
import type { Instance, RequestedNetwork } from './servers/model.js';

// Nova's view of the network service: everything compute asks Neutron,
// through the network service's in-process API (never HTTP). Errors are
// reworded here into Nova's own messages.

export type { ServerAddress } from '../network/internal.js';

/** A port of an instance as Nova uses it. */
export interface PortInfo {
  id: string;
  network_id: string;
  network_name: string;
  mac_address: string;
  fixed_ips: { ip_address: string; subnet_id: string }[];
  floating_ips: string[];
  security_groups: { id: string; name: string }[];
  status: string;
  mtu?: number;
}

/** Nova's words for what Neutron refused. */
function novaError(e: unknown, what: { network?: string; port?: string; group?: string }): unknown {
  if (!(e instanceof ApiError)) return e;
  if (e.type === 'NetworkNotFound' && what.network)
    return new BadRequest(`Network ${what.network} could not be found.`);
  if (e.type === 'PortNotFound' && what.port) return new BadRequest(`Port id ${what.port} could not be found.`);
  if (e.type === 'PortInUse' && what.port) return new Conflict(`Port ${what.port} is still in use.`);
  if (e.type === 'SecurityGroupNotFound' && what.group)
    return new BadRequest(`Security group ${what.group} not found.`);
  if (e.type === 'IpAddressAlreadyAllocated') return new BadRequest(e.message);
  return e;
}

/**
 * Checks the requested networks, ports and security groups before anything
 * is made (Nova's API-side validation) and resolves what "no networks
 * given" means: the one network the project may use, none when it has
 * none (for `auto`: the project's auto-allocated network, made on first
 * use), a 409 when it has several.
 */
export async function validateRequestedNetworks(
  cloud: Cloud,
  ctx: AuthContext,
  requested: RequestedNetwork[] | 'auto' | 'none',
  securityGroups: string[],
  count: number,
): Promise<RequestedNetwork[]> {
  for (const g of securityGroups)
    if (g !== 'default' && !(await findSecurityGroup(cloud, ctx, g)))
      throw new BadRequest(`Security group ${g} not found.`);
  if (requested === 'none') return [];
  if (requested === 'auto' || requested.length === 0) {
    const nets = await availableNetworks(cloud, ctx);
    if (nets.length === 0 && requested === 'auto') {
      // get-me-a-network: Neutron's auto-allocated topology for the project
      const id = await autoAllocatedNetwork(cloud, ctx.projectId ?? '').catch((e) => {
        if (e instanceof ApiError && e.status === 409)
          throw new BadRequest(`Unable to automatically allocate a network for project ${ctx.projectId}`);
        throw e;
      });
      return [{ network_id: id }];
    }
    if (nets.length === 0) return [];
    if (nets.length > 1)
      throw new Conflict(
        'More than one possible network found. Specify network ID(s) to select which one(s) to connect to.',
      );
    return [{ network_id: nets[0].id as string }];
  }
  const out: RequestedNetwork[] = [];
  for (const r of requested) {
    if (r.port_id) {
      const port = await showResource(cloud, ctx, 'port', r.port_id).catch((e) => {
        throw novaError(e, { port: r.port_id });
      });
      if (port.device_id) throw new Conflict(`Port ${r.port_id} is still in use.`);
      out.push({ ...r, network_id: port.network_id as string });
      continue;
    }
    const net = await findNetwork(cloud, ctx, r.network_id as string);
    if (!net || net.id !== r.network_id) throw new BadRequest(`Network ${r.network_id} could not be found.`);
    if (net['router:external'] === true && !net.shared && !ctx.isAdmin)
      throw new Forbidden(`It is not allowed to create an interface on external network ${r.network_id}`);
    if (r.fixed_ip && count > 1)
      throw new BadRequest('max_count cannot be greater than 1 if an fixed_ip is specified.');
    out.push(r);
  }
  return out;
}

/**
 * The instance's ports: made on the requested networks (with the requested
 * security groups), or the given ports bound as they are. On failure the
 * ports made so far are released.
 */
export async function allocateForInstance(
  cloud: Cloud,
  ctx: AuthContext,
  instance: Instance,
  requested: RequestedNetwork[],
): Promise<{ port_id: string; network_id: string; created: boolean; tag?: string }[]> {
  const out: { port_id: string; network_id: string; created: boolean; tag?: string }[] = [];
  try {
    for (const r of requested) {
      if (r.port_id) {
        const p = await bindPort(cloud, ctx, r.port_id, { serverId: instance.uuid, host: instance.host ?? '' }).catch(
          (e) => {
            throw novaError(e, { port: r.port_id });
          },
        );
        out.push({ port_id: p.id, network_id: p.network_id, created: false, tag: r.tag });
      } else {
        const p = await createServerPort(cloud, ctx, {
          networkId: r.network_id as string,
          serverId: instance.uuid,
          host: instance.host ?? '',
          // the project's `default` group exists once Neutron has made a port with it
          securityGroups: instance.groups.includes('default') ? undefined : instance.groups,
          fixedIp: r.fixed_ip,
        }).catch((e) => {
          throw novaError(e, { network: r.network_id });
        });
        if (instance.groups.includes('default') && instance.groups.length > 1) {
          const ids: string[] = [];
          for (const g of instance.groups) {
            const found = await findSecurityGroup(cloud, ctx, g);
            if (!found) throw new BadRequest(`Security group ${g} not found.`);
            ids.push(found.id as string);
          }
          await updateResource(cloud, ctx, 'port', p.id, { security_groups: ids });
        }
        out.push({ port_id: p.id, network_id: p.network_id, created: true, tag: r.tag });
      }
    }
  } catch (e) {
    await releaseServerPorts(cloud, instance.uuid).catch(() => undefined);
    throw e;
  }
  return out;
}

/** Deletes the ports Nova made for the instance and unbinds the ones it was given. Idempotent. */
export async function deallocateForInstance(cloud: Cloud, instanceUuid: string): Promise<void> {
  await releaseServerPorts(cloud, instanceUuid);
}

/** Nova's `addresses` and `security_groups` of many instances, in a few queries. */
export async function networkViews(
  cloud: Cloud,
  uuids: string[],
): Promise<{
  addresses: Map<string, Record<string, ServerAddress[]>>;
  groups: Map<string, { id: string; name: string }[]>;
}> {
  if (uuids.length === 0) return { addresses: new Map(), groups: new Map() };
  const ports = await serverPortInfos(cloud, uuids);
  const [addresses, groups] = await Promise.all([
    serverAddresses(cloud, uuids, ports),
    serverSecurityGroups(cloud, uuids, ports),
  ]);
  return { addresses, groups };
}

/** The ports of one instance, with floating addresses and group names. */
export async function portsOf(cloud: Cloud, instance: Instance): Promise<PortInfo[]> {
  const [ports, views] = await Promise.all([serverPorts(cloud, instance.uuid), networkViews(cloud, [instance.uuid])]);
  const addrs = Object.values(views.addresses.get(instance.uuid) ?? {}).flat();
  const groups = views.groups.get(instance.uuid) ?? [];
  return ports.map((p) => ({
    id: p.id,
    network_id: p.network_id,
    network_name: p.network_name,
    mac_address: p.mac_address,
    fixed_ips: p.fixed_ips,
    floating_ips: addrs
      .filter((a) => a['OS-EXT-IPS:type'] === 'floating' && a['OS-EXT-IPS-MAC:mac_addr'] === p.mac_address)
      .map((a) => a.addr),
    security_groups: groups.filter((g) => p.security_group_ids.includes(g.id)),
    status: p.status,
  }));
}

/** The ports of one instance with their subnets, for network_data.json. */
export async function portsWithSubnets(cloud: Cloud, instance: Instance): Promise<PortWithSubnets[]> {
  const ctx = { isAdmin: true, projectId: instance.project_id } as AuthContext;
  const out: PortWithSubnets[] = [];
  for (const p of await portsOf(cloud, instance)) {
    const subnets: SubnetInfo[] = [];
    for (const subnetId of [...new Set(p.fixed_ips.map((f) => f.subnet_id))]) {
      const s = await showResource(cloud, ctx, 'subnet', subnetId).catch(() => undefined);
      if (!s) continue;
      subnets.push({
        id: subnetId,
        cidr: s.cidr as string,
        ip_version: s.ip_version as 4 | 6,
        gateway_ip: (s.gateway_ip as string | null) ?? null,
        dns_nameservers: (s.dns_nameservers as string[]) ?? [],
        host_routes: (s.host_routes as { destination: string; nexthop: string }[]) ?? [],
        enable_dhcp: s.enable_dhcp === true,
      });
    }
    const net = await showResource(cloud, ctx, 'network', p.network_id).catch(() => undefined);
    out.push({ ...p, mtu: (net?.mtu as number | undefined) ?? undefined, subnets });
  }
  return out;
}

/** The security groups on an instance's ports. */
export async function serverGroupsOf(cloud: Cloud, uuid: string): Promise<{ id: string; name: string }[]> {
  return (await serverSecurityGroups(cloud, [uuid])).get(uuid) ?? [];
}

async function groupFor(cloud: Cloud, ctx: AuthContext, i: Instance, nameOrId: string) {
  const group = await findSecurityGroup(cloud, ctx, nameOrId);
  if (!group)
    throw new NotFound(`Security group ${nameOrId} is not found for project ${ctx.projectId ?? i.project_id}`);
  if ((await serverPorts(cloud, i.uuid)).length === 0)
    throw new NotFound(`instance_id ${i.uuid} could not be found as device id on any ports`);
  return group;
}

/** addSecurityGroup: the group goes on every port of the instance (already there: nothing changes). */
export async function addSecurityGroup(cloud: Cloud, ctx: AuthContext, i: Instance, nameOrId: string): Promise<void> {
  const group = await groupFor(cloud, ctx, i, nameOrId);
  if ((await serverGroupsOf(cloud, i.uuid)).some((g) => g.id === group.id)) return;
  await addServerSecurityGroup(cloud, ctx, i.uuid, group.id as string).catch((e) => {
    throw novaError(e, { group: nameOrId });
  });
}

/** removeSecurityGroup: the group comes off every port of the instance. */
export async function removeSecurityGroup(
  cloud: Cloud,
  ctx: AuthContext,
  i: Instance,
  nameOrId: string,
): Promise<void> {
  const group = await groupFor(cloud, ctx, i, nameOrId);
  await removeServerSecurityGroup(cloud, ctx, i.uuid, group.id as string).catch((e) => {
    if (e instanceof ApiError && e.type === 'SecurityGroupNotExistsForInstance')
      throw new NotFound(`Security group ${nameOrId} not associated with the instance ${i.uuid}`);
    throw e;
  });
}

/** The legacy addFloatingIp action (before 2.44): the address onto the instance's port with `fixedAddress`. */
export async function addFloatingIp(
  cloud: Cloud,
  ctx: AuthContext,
  i: Instance,
  address: string,
  fixedAddress?: string,
): Promise<void> {
  const fip = await findFloatingIp(cloud, ctx, address);
  if (!fip) throw new NotFound(`floating IP not found`);
  const ports = await serverPorts(cloud, i.uuid);
  const port = fixedAddress
    ? ports.find((p) => p.fixed_ips.some((f) => f.ip_address === fixedAddress))
    : ports.find((p) => p.fixed_ips.some((f) => !f.ip_address.includes(':')));
  if (!port)
    throw new BadRequest(
      fixedAddress ? `Specified fixed address not assigned to instance` : 'Instance network is not ready yet',
    );
  // Nova turns Neutron's conflicts (e.g. the fixed IP already has a floating IP) into a 400 with Neutron's words.
  await associateFloatingIp(cloud, ctx, address, port.id, fixedAddress).catch((e) => {
    if (e instanceof ApiError && e.status === 409) throw new BadRequest(e.message);
    throw e;
  });
}

export async function removeFloatingIp(cloud: Cloud, ctx: AuthContext, i: Instance, address: string): Promise<void> {
  const fip = await findFloatingIp(cloud, ctx, address);
  if (!fip) throw new NotFound(`floating IP not found`);
  const ports = await serverPorts(cloud, i.uuid);
  if (!ports.some((p) => p.id === fip.port_id))
    throw new Conflict(`Floating IP ${address} is not associated with instance ${i.uuid}.`);
  await associateFloatingIp(cloud, ctx, address, null);
}

/** The networks the caller can see, for the os-networks proxy. */
export async function visibleNetworks(cloud: Cloud, ctx: AuthContext): Promise<{ id: string; name: string }[]> {
  const all = await listResources(cloud, ctx, 'network');
  return all.map((n) => ({ id: n.id as string, name: n.name as string }));
}

/** A port of the instance with its state, for os-interface. */
export async function instancePorts(cloud: Cloud, uuid: string) {
  return serverPorts(cloud, uuid);
}

/**
 * Attaches an interface (os-interface): a new port on a network (the one
 * network the project has when none is named) or a given port, bound to the
 * instance. Nova's words for what Neutron refuses.
 */
export async function attachPort(
  cloud: Cloud,
  ctx: AuthContext,
  i: Instance,
  opts: { networkId?: string; portId?: string; fixedIp?: string },
): Promise<{ port_id: string; network_id: string; created: boolean }> {
  if (opts.portId) {
    const port = await showResource(cloud, ctx, 'port', opts.portId).catch((e) => {
      if (e instanceof ApiError && e.status === 404) throw new NotFound(`Port id ${opts.portId} could not be found.`);
      throw e;
    });
    if (port.device_id) throw new Conflict(`Port ${opts.portId} is still in use.`);
    const p = await bindPort(cloud, ctx, opts.portId, { serverId: i.uuid, host: i.host ?? '' });
    return { port_id: p.id, network_id: p.network_id, created: false };
  }
  let networkId = opts.networkId;
  if (!networkId) {
    const nets = await availableNetworks(cloud, ctx);
    if (nets.length === 0)
      throw new BadRequest(`Failed to attach network adapter device to ${i.uuid}: no network available.`);
    if (nets.length > 1)
      throw new BadRequest(
        'More than one possible network found. Specify network ID(s) to select which one(s) to connect to.',
      );
    networkId = nets[0].id as string;
  }
  const net = await findNetwork(cloud, ctx, networkId);
  if (!net || net.id !== networkId) throw new NotFound(`Network ${networkId} could not be found.`);
  const p = await createServerPort(cloud, ctx, {
    networkId,
    serverId: i.uuid,
    host: i.host ?? '',
    fixedIp: opts.fixedIp,
  }).catch((e) => {
    if (e instanceof ApiError && e.type === 'IpAddressAlreadyAllocated')
      throw new Conflict(`Fixed IP address ${opts.fixedIp} is already in use on instance ${i.uuid}.`);
    throw e;
  });
  return { port_id: p.id, network_id: p.network_id, created: true };
}

/** Detaches an interface: a port Nova made is deleted, a given one unbound. */
export async function detachPort(cloud: Cloud, ctx: AuthContext, portId: string, created: boolean): Promise<void> {
  if (created) await deleteResource(cloud, ctx, 'port', portId);
  else await unbindPort(cloud, portId);
}

// ---- the os-floating-ips proxy (2.1–2.35)

export interface ProxyFloatingIp {
  id: string;
  ip: string;
  pool: string;
  fixed_ip: string | null;
  instance_id: string | null;
}

async function proxyFip(cloud: Cloud, ctx: AuthContext, f: Record<string, any>): Promise<ProxyFloatingIp> {
  const net = await showResource(cloud, ctx, 'network', f.floating_network_id).catch(() => undefined);
  const port = f.port_id ? await showResource(cloud, ctx, 'port', f.port_id).catch(() => undefined) : undefined;
  return {
    id: f.id,
    ip: f.floating_ip_address,
    pool: (net?.name as string) ?? '',
    fixed_ip: f.fixed_ip_address ?? null,
    instance_id: (port?.device_id as string) || null,
  };
}

export async function listFloatingIps(cloud: Cloud, ctx: AuthContext): Promise<ProxyFloatingIp[]> {
  const all = await listResources(cloud, ctx, 'floatingip', { project_id: ctx.projectId ?? '' });
  return Promise.all(all.map((f) => proxyFip(cloud, ctx, f)));
}

export async function showFloatingIp(cloud: Cloud, ctx: AuthContext, id: string): Promise<ProxyFloatingIp> {
  const f = await showResource(cloud, ctx, 'floatingip', id).catch(() => undefined);
  if (!f) throw new NotFound(`Floating IP not found for ID ${id}`);
  return proxyFip(cloud, ctx, f);
}

export async function allocateFloatingIp(cloud: Cloud, ctx: AuthContext, pool?: string): Promise<ProxyFloatingIp> {
  let networkId: string | undefined;
  if (pool) networkId = (await findNetwork(cloud, ctx, pool))?.id as string | undefined;
  else networkId = (await listResources(cloud, ctx, 'network', { 'router:external': 'true' }))[0]?.id as string;
  if (!networkId) throw new NotFound(`Floating IP pool not found.`);
  const f = await createResource(cloud, ctx, 'floatingip', { floating_network_id: networkId }).catch((e) => {
    if (e instanceof ApiError && e.status === 409) throw new NotFound(`No more floating IPs in pool ${pool}.`);
    if (e instanceof ApiError && (e.status === 413 || e.type === 'OverQuota'))
      throw new Forbidden('Maximum number of floating IPs exceeded');
    throw e;
  });
  return proxyFip(cloud, ctx, f);
}

/** The os-floating-ip-pools proxy: the external networks, by name (or id when unnamed). */
export async function listFloatingIpPools(cloud: Cloud, ctx: AuthContext): Promise<{ name: string }[]> {
  const external = await listResources(cloud, ctx, 'network', { 'router:external': 'true' });
  return external.map((n) => ({ name: (n.name as string) || (n.id as string) }));
}

export async function releaseFloatingIp(cloud: Cloud, ctx: AuthContext, id: string): Promise<void> {
  await showFloatingIp(cloud, ctx, id);
  await deleteResource(cloud, ctx, 'floatingip', id);
}

/** A network's MTU (what the guest's taps take), undefined when unknown. */
export async function networkMtu(cloud: Cloud, projectId: string, networkId: string): Promise<number | undefined> {
  const ctx = { isAdmin: true, projectId } as AuthContext;
  const net = (await showResource(cloud, ctx, 'network', networkId).catch(() => undefined)) as
    | { mtu?: number }
    | undefined;
  return typeof net?.mtu === 'number' ? net.mtu : undefined;
}
