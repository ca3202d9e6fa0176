import type { Cloud } from '../../../cloud.js';
import { isoMicrosNoZone, isoSeconds } from '../../../server/time.js';
import { computeBase, links, type NovaRequest } from '../api.js';
import { networkViews, type ServerAddress } from '../neutron.js';
import { statusOf, VmState } from '../states.js';
import { cdb } from '../store.js';
import { canonicalIpv6 } from '../validation.js';
import { hostId, type Instance, instanceName } from './model.js';

// The server views of each microversion (nova/api/openstack/compute/views/servers.py).

/** What a view needs besides the instance row, loaded for a whole page at once. */
export interface ServerExtras {
  addresses: Record<string, ServerAddress[]>;
  securityGroups: { id: string; name: string }[];
  volumes: { volume_id: string; delete_on_termination: boolean }[];
  tags: string[];
  serverGroups: string[];
}

/** Loads ports, attached volumes, tags and groups of many instances with one query each (no N+1). */
export async function loadExtras(cloud: Cloud, instances: Instance[]): Promise<Map<string, ServerExtras>> {
  const out = new Map<string, ServerExtras>();
  if (instances.length === 0) return out;
  const uuids = instances.map((i) => i.uuid);
  for (const i of instances)
    out.set(i.uuid, {
      addresses: {},
      securityGroups: [],
      volumes: [],
      tags: [],
      serverGroups: i.server_group_id ? [i.server_group_id] : [],
    });
  const db = cdb(cloud);
  const chunks: string[][] = [];
  for (let k = 0; k < uuids.length; k += 500) chunks.push(uuids.slice(k, k + 500));
  for (const chunk of chunks) {
    const [bdms, tags] = await Promise.all([
      db
        .selectFrom('nova_bdms')
        .select(['instance_uuid', 'volume_id', 'delete_on_termination'])
        .where('instance_uuid', 'in', chunk)
        .where('volume_id', 'is not', null)
        .orderBy('id')
        .execute(),
      db.selectFrom('nova_instance_tags').selectAll().where('instance_uuid', 'in', chunk).orderBy('tag').execute(),
    ]);
    for (const b of bdms)
      out
        .get(b.instance_uuid)
        ?.volumes.push({ volume_id: b.volume_id as string, delete_on_termination: b.delete_on_termination === 1 });
    for (const t of tags) out.get(t.instance_uuid)?.tags.push(t.tag);
  }
  const net = await networkViews(cloud, uuids);
  for (const [uuid, e] of out) {
    e.addresses = net.addresses.get(uuid) ?? {};
    e.securityGroups = net.groups.get(uuid) ?? [];
  }
  return out;
}

/** Addresses without the OS-EXT-IPS fields (Nova's views before 2.75 for PUT and rebuild, and /ips). */
export function plainAddresses(addresses: Record<string, ServerAddress[]>) {
  return Object.fromEntries(
    Object.entries(addresses).map(([k, list]) => [k, list.map((a) => ({ version: a.version, addr: a.addr }))]),
  );
}

export function serverStatus(i: Instance): string {
  return i.deleted ? 'DELETED' : statusOf(i.vm_state, i.task_state);
}

const PROGRESS = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

function imageView(req: NovaRequest, i: Instance) {
  if (!i.image_ref) return '';
  return { id: i.image_ref, links: [{ rel: 'bookmark', href: `${computeBase(req)}/images/${i.image_ref}` }] };
}

function flavorView(req: NovaRequest, i: Instance) {
  const f = i.flavorInfo;
  if (req.microversion.atLeast('2.47')) {
    return {
      vcpus: f.vcpus,
      ram: f.memory_mb,
      disk: f.root_gb,
      ephemeral: f.ephemeral_gb,
      swap: f.swap,
      original_name: f.name,
      extra_specs: f.extra_specs,
    };
  }
  return { id: f.flavorid, links: [{ rel: 'bookmark', href: `${computeBase(req)}/flavors/${f.flavorid}` }] };
}

/** GET /servers: id, name, links. */
export function briefView(req: NovaRequest, i: Instance) {
  return { id: i.uuid, name: i.display_name, links: links(req, 'servers', i.uuid) };
}

/**
 * GET /servers/{id} and /servers/detail. `detail` leaves out what Nova
 * leaves out of lists (server_groups); `reply` is the smaller view PUT and
 * rebuild answer with before 2.75 (no extended attributes, plain addresses).
 */
export function serverView(
  req: NovaRequest,
  i: Instance,
  x: ServerExtras,
  opts: { detail?: boolean; reply?: 'update' | 'rebuild' } = {},
) {
  const mv = req.microversion;
  const admin = req.auth.isAdmin;
  const all = !opts.reply || mv.atLeast('2.75');
  const status = serverStatus(i);
  const s: Record<string, unknown> = {
    id: i.uuid,
    name: i.display_name,
    status,
    tenant_id: i.project_id,
    user_id: i.user_id,
    metadata: i.meta,
    hostId: hostId(i.host, i.project_id),
    image: imageView(req, i),
    flavor: flavorView(req, i),
    created: isoSeconds(i.created_at),
    updated: isoSeconds(i.updated_at),
    addresses: i.vm_state === VmState.BUILDING ? {} : all ? x.addresses : plainAddresses(x.addresses),
    accessIPv4: i.access_ip_v4 ?? '',
    accessIPv6: i.access_ip_v6 ? canonicalIpv6(i.access_ip_v6) : '',
    links: links(req, 'servers', i.uuid),
    'OS-DCF:diskConfig': i.sys.auto_disk_config ? 'AUTO' : 'MANUAL',
  };
  if ((status === 'ERROR' || status === 'DELETED') && i.faultInfo) {
    const f = i.faultInfo;
    s.fault = {
      code: f.code,
      created: f.created,
      message: f.message,
      ...(f.details && (admin || f.code !== 500) ? { details: f.details } : {}),
    };
  }
  if (PROGRESS.has(status)) s.progress = i.progress;
  if (!all) {
    if (opts.reply === 'rebuild' && mv.atLeast('2.54')) s.key_name = i.key_name;
    if (mv.atLeast('2.9')) s.locked = i.locked === 1;
    if (mv.atLeast('2.19')) s.description = i.display_description;
    if (mv.atLeast('2.26')) s.tags = x.tags;
    if (mv.atLeast('2.63')) s.trusted_image_certificates = null;
    if (mv.atLeast('2.71')) s.server_groups = x.serverGroups;
    if (mv.atLeast('2.73')) s.locked_reason = i.locked_reason;
    return s;
  }
  s['OS-EXT-AZ:availability_zone'] = i.availability_zone ?? '';
  s.config_drive = i.config_drive;
  s.key_name = i.key_name;
  s['OS-SRV-USG:launched_at'] = i.launched_at ? isoMicrosNoZone(i.launched_at) : null;
  s['OS-SRV-USG:terminated_at'] = i.terminated_at ? isoMicrosNoZone(i.terminated_at) : null;
  const groups = [...new Set(x.securityGroups.map((g) => g.name))].sort();
  if (groups.length) s.security_groups = groups.map((name) => ({ name }));
  if (admin) {
    s['OS-EXT-SRV-ATTR:host'] = i.host;
    s['OS-EXT-SRV-ATTR:instance_name'] = instanceName(i);
    s['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.node;
    if (mv.atLeast('2.3')) {
      Object.assign(s, {
        'OS-EXT-SRV-ATTR:hostname': i.hostname,
        'OS-EXT-SRV-ATTR:kernel_id': '',
        'OS-EXT-SRV-ATTR:launch_index': i.launch_index,
        'OS-EXT-SRV-ATTR:ramdisk_id': '',
        'OS-EXT-SRV-ATTR:reservation_id': i.reservation_id,
        'OS-EXT-SRV-ATTR:root_device_name': i.root_device_name,
        'OS-EXT-SRV-ATTR:user_data': i.user_data,
      });
    }
  }
  // 2.90: everyone sees the hostname (admins have it with the other extended attributes)
  if (mv.atLeast('2.90') && !admin) s['OS-EXT-SRV-ATTR:hostname'] = i.hostname;
  s['OS-EXT-STS:task_state'] = i.task_state;
  s['OS-EXT-STS:vm_state'] = i.vm_state;
  s['OS-EXT-STS:power_state'] = i.power_state;
  s['os-extended-volumes:volumes_attached'] = x.volumes.map((v) =>
    mv.atLeast('2.3') ? { id: v.volume_id, delete_on_termination: v.delete_on_termination } : { id: v.volume_id },
  );
  if (mv.atLeast('2.9')) s.locked = i.locked === 1;
  if (mv.atLeast('2.16') && admin) s.host_status = i.host ? 'UP' : '';
  if (mv.atLeast('2.19')) s.description = i.display_description;
  if (mv.atLeast('2.26')) s.tags = x.tags;
  if (mv.atLeast('2.63')) s.trusted_image_certificates = null;
  if (mv.atLeast('2.71') && !opts.detail) s.server_groups = x.serverGroups;
  if (mv.atLeast('2.73')) s.locked_reason = i.locked_reason;
  return s;
}
