import { randomBytes } from 'node:crypto';
import { DEFAULT_AZ } from '../host.js';
import type { PortInfo } from '../neutron.js';
import type { Instance } from '../servers/model.js';

// What an instance learns about itself, in the two formats Nova serves
// (nova/api/metadata/base.py): the OpenStack tree (openstack/<version>/
// meta_data.json, user_data, network_data.json, vendor_data*.json,
// password) and the EC2 tree (<version>/meta-data/..., user-data). The
// metadata listener and the config drive both render from here.

export const EC2_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
];
export const OPENSTACK_VERSIONS = [
  '2012-08-10',
  '2013-04-04',
  '2013-10-17',
  '2015-10-15',
  '2016-06-30',
  '2016-10-06',
  '2017-02-22',
  '2018-08-27',
  '2020-10-14',
  '2025-04-04',
];

export interface SubnetInfo {
  id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
  enable_dhcp: boolean;
}

/** A port with its subnets, as network_data.json needs it. */
export interface PortWithSubnets extends PortInfo {
  subnets: SubnetInfo[];
}

export interface MetadataSource {
  instance: Instance;
  keypair?: { name: string; type: string; public_key: string };
  ports: PortWithSubnets[];
}

function atLeast(versions: string[], required: string, asked: string): boolean {
  return versions.indexOf(asked) >= versions.indexOf(required);
}

/** A known OpenStack version ("latest" is the newest), or undefined. */
export function openstackVersion(v: string): string | undefined {
  if (v === 'latest') return OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1];
  return OPENSTACK_VERSIONS.includes(v) ? v : undefined;
}

export function ec2Version(v: string): string | undefined {
  if (v === 'latest') return EC2_VERSIONS[EC2_VERSIONS.length - 1];
  return EC2_VERSIONS.includes(v) ? v : undefined;
}

export function userData(src: MetadataSource): Buffer | undefined {
  const ud = src.instance.user_data;
  return ud === null ? undefined : Buffer.from(ud, 'base64');
}

export function metaDataJson(src: MetadataSource, version: string) {
  const i = src.instance;
  const md: Record<string, unknown> = { uuid: i.uuid };
  if (Object.keys(i.meta).length) md.meta = i.meta;
  if (src.keypair) {
    md.public_keys = { [src.keypair.name]: src.keypair.public_key };
    md.keys = [{ name: src.keypair.name, type: src.keypair.type, data: src.keypair.public_key }];
  }
  md.hostname = i.hostname;
  md.name = i.display_name;
  md.launch_index = i.launch_index;
  md.availability_zone = i.availability_zone ?? DEFAULT_AZ;
  const os = (required: string) => atLeast(OPENSTACK_VERSIONS, required, version);
  if (os('2013-04-04')) md.random_seed = randomBytes(512).toString('base64');
  if (os('2015-10-15')) md.project_id = i.project_id;
  if (os('2016-06-30')) md.devices = [];
  if (os('2020-10-14')) md.dedicated_cpus = [];
  return md;
}

function netmask(cidr: string): string {
  const bits = Number(cidr.split('/')[1]);
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function ipv6Mask(cidr: string): string {
  const bits = Number(cidr.split('/')[1]);
  const groups: string[] = [];
  for (let g = 0; g < 8; g++) {
    const b = Math.max(0, Math.min(16, bits - g * 16));
    groups.push(((0xffff << (16 - b)) & 0xffff).toString(16));
  }
  return groups.join(':').replace(/(:0)+$/, '::');
}

/** network_data.json (nova/virt/netutils.py get_network_metadata). */
export function networkDataJson(src: MetadataSource) {
  const links: Record<string, unknown>[] = [];
  const networks: Record<string, unknown>[] = [];
  const services: { type: string; address: string }[] = [];
  let net = -1;
  for (const p of src.ports) {
    const v4 = p.subnets.find((s) => s.ip_version === 4);
    const v6 = p.subnets.find((s) => s.ip_version === 6);
    if (!v4 && !v6) continue;
    const dhcp = p.subnets.some((s) => s.enable_dhcp);
    const link = {
      id: `tap${p.id.slice(0, 11)}`,
      vif_id: p.id,
      type: 'ovs',
      mtu: dhcp ? null : (p.mtu ?? null),
      ethernet_mac_address: p.mac_address,
    };
    links.push(link);
    for (const subnet of [v4, v6]) {
      if (!subnet) continue;
      const ip = p.fixed_ips.find((f) => f.subnet_id === subnet.id);
      if (!ip) continue;
      net++;
      const dns = subnet.dns_nameservers.map((address) => ({ type: 'dns', address }));
      for (const d of dns) if (!services.some((x) => x.address === d.address)) services.push(d);
      if (subnet.enable_dhcp) {
        networks.push({
          id: `network${net}`,
          type: `ipv${subnet.ip_version}_dhcp`,
          link: link.id,
          network_id: p.network_id,
        });
        continue;
      }
      const v = subnet.ip_version;
      const routes = subnet.gateway_ip
        ? [{ network: v === 4 ? '0.0.0.0' : '::', netmask: v === 4 ? '0.0.0.0' : '::', gateway: subnet.gateway_ip }]
        : [];
      for (const r of subnet.host_routes)
        routes.push({
          network: r.destination.split('/')[0],
          netmask: v === 4 ? netmask(r.destination) : ipv6Mask(r.destination),
          gateway: r.nexthop,
        });
      networks.push({
        id: `network${net}`,
        type: `ipv${v}`,
        link: link.id,
        ip_address: ip.ip_address,
        netmask: v === 4 ? netmask(subnet.cidr) : ipv6Mask(subnet.cidr),
        routes,
        network_id: p.network_id,
        services: dns,
      });
    }
  }
  return { links, networks, services };
}

/** The files of openstack/<version>/ (meta_data.json, user_data, ...), for a version listing. */
export function openstackFiles(src: MetadataSource, version: string): string[] {
  const os = (required: string) => atLeast(OPENSTACK_VERSIONS, required, version);
  const files = ['meta_data.json'];
  if (src.instance.user_data !== null) files.push('user_data');
  if (os('2013-04-04')) files.push('password');
  if (os('2013-10-17')) files.push('vendor_data.json');
  if (os('2015-10-15')) files.push('network_data.json');
  if (os('2016-10-06')) files.push('vendor_data2.json');
  return files;
}

/** The EC2 meta-data tree for a version; keys ending in "/" are directories. */
export function ec2MetaData(src: MetadataSource, version: string): Record<string, unknown> {
  const i = src.instance;
  const fixed = src.ports.flatMap((p) => p.fixed_ips.map((f) => f.ip_address)).filter((a) => !a.includes(':'));
  const floating = src.ports.flatMap((p) => p.floating_ips);
  const ec2 = (required: string) => atLeast(EC2_VERSIONS, required, version);
  const md: Record<string, unknown> = {
    'ami-id': `ami-${i.image_ref ? i.image_ref.replace(/-/g, '').slice(0, 8) : '00000000'}`,
    'ami-launch-index': i.launch_index,
    'ami-manifest-path': 'FIXME',
    'instance-id': `i-${i.id.toString(16).padStart(8, '0')}`,
    hostname: i.hostname,
    'local-ipv4': fixed[0] ?? '',
    'reservation-id': i.reservation_id,
    'security-groups': [...new Set(src.ports.flatMap((p) => p.security_groups.map((g) => g.name)))],
  };
  if (src.keypair)
    md['public-keys'] = { '0': { _name: `0=${src.keypair.name}`, 'openssh-key': src.keypair.public_key } };
  if (ec2('2007-01-19')) {
    md['local-hostname'] = i.hostname;
    md['public-hostname'] = i.hostname;
    md['public-ipv4'] = floating[0] ?? '';
  }
  if (ec2('2007-08-29')) md['instance-type'] = i.flavorInfo.name;
  if (ec2('2007-12-15')) md['block-device-mapping'] = { ami: 'vda', root: '/dev/vda' };
  if (ec2('2008-02-01')) md.placement = { 'availability-zone': i.availability_zone ?? DEFAULT_AZ };
  if (ec2('2008-09-01')) md['instance-action'] = 'none';
  return md;
}
