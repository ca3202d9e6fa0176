import type { Cloud } from '../../../cloud.js';
import type { GuestPort, GuestSpec, GuestVolume } from '../../../drivers/compute/driver.js';
import type { AuthContext } from '../../../server/auth.js';
import { bootImagePath } from '../glance.js';
import { portsOf } from '../neutron.js';
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
  return ports.map((p) => ({
    port_id: p.id,
    network_id: p.network_id,
    mac_address: p.mac_address,
    fixed_ips: p.fixed_ips,
  }));
}

/** What the driver needs to run an instance, from what Nova recorded. */
export async function guestSpec(
  cloud: Cloud,
  i: Instance,
  configDrive?: Buffer,
  volumes?: GuestVolume[],
): Promise<GuestSpec> {
  const path = i.image_ref ? await bootImagePath(cloud, serviceContext(i), i.image_ref) : undefined;
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
    image: i.image_ref ? { id: i.image_ref, path } : undefined,
    ports: await guestPorts(cloud, i),
    volumes: volumes ?? (await guestVolumes(cloud, i.uuid)),
    configDrive,
  };
}
