import type { Cloud } from '../../../cloud.js';
import type { GuestPort, GuestSpec, GuestVolume } from '../../../drivers/compute/driver.js';
import type { AuthContext } from '../../../server/auth.js';
import { bootImagePath, getImageAs } from '../glance.js';
import { networkMtu, portsOf } from '../neutron.js';
import { guestVolumes } from './block-devices.js';
import { type Instance, instanceName } from './model.js';

/** The caller a background task acts as: the instance's owner, with the rights Nova's compute service has. */
export function serviceContext(i: Instance): AuthContext {
  return {
    tokenHash: '',
    userId: i.user_id,
    userName: '',
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: i.project_id,
    system: false,
    roles: ['admin', 'member', 'reader'],
    roleIds: [],
    isAdmin: true,
    methods: [],
    auditIds: [],
    issuedAt: '',
    expiresAt: '',
  };
}

export async function guestPorts(cloud: Cloud, i: Instance): Promise<GuestPort[]> {
  const ports = await portsOf(cloud, i);
  const mtus = new Map<string, number | undefined>();
  for (const id of new Set(ports.map((p) => p.network_id))) mtus.set(id, await networkMtu(cloud, i.project_id, id));
  return ports.map((p) => ({
    port_id: p.id,
    network_id: p.network_id,
    mac_address: p.mac_address,
    fixed_ips: p.fixed_ips,
    // the tap takes its network's MTU, as the bridge and the guest's DHCP answer have it
    mtu: mtus.get(p.network_id),
  }));
}

/**
 * The boot image as the driver needs it: its file and format, and for an
 * AMI with kernel_id/ramdisk_id (Nova's AKI/ARI) the kernel's and ramdisk's
 * files and os_command_line. Also what a rescue boots from.
 */
export async function guestImage(cloud: Cloud, i: Instance, imageId: string): Promise<GuestSpec['image']> {
  const ctx = serviceContext(i);
  const path = await bootImagePath(cloud, ctx, imageId);
  const info = await getImageAs(cloud, ctx, imageId).catch(() => undefined);
  const props = info?.properties ?? {};
  const part = async (key: string) => {
    const id = props[key];
    return typeof id === 'string' && id ? { id, path: await bootImagePath(cloud, ctx, id) } : undefined;
  };
  return {
    id: imageId,
    path,
    disk_format: info?.disk_format ?? undefined,
    kernel: await part('kernel_id'),
    ramdisk: await part('ramdisk_id'),
    cmdline: typeof props.os_command_line === 'string' ? props.os_command_line : undefined,
  };
}

/** What the driver needs to run an instance, from what Nova recorded. */
export async function guestSpec(
  cloud: Cloud,
  i: Instance,
  configDrive?: Buffer,
  volumes?: GuestVolume[],
): Promise<GuestSpec> {
  return {
    uuid: i.uuid,
    name: instanceName(i),
    hostname: i.hostname,
    flavor: {
      vcpus: i.flavorInfo.vcpus,
      memory_mb: i.flavorInfo.memory_mb,
      root_gb: i.flavorInfo.root_gb,
      ephemeral_gb: i.flavorInfo.ephemeral_gb,
      swap: i.flavorInfo.swap,
      extra_specs: i.flavorInfo.extra_specs,
    },
    image: i.image_ref ? await guestImage(cloud, i, i.image_ref) : undefined,
    ports: await guestPorts(cloud, i),
    volumes: volumes ?? (await guestVolumes(cloud, i.uuid)),
    configDrive,
  };
}
