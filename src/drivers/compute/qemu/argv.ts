import { tapName } from '../../../host/names.js';
import type { GuestPort, GuestVolume } from '../driver.js';
import type { Accelerator } from './accel.js';
import type { GuestFiles, GuestRecord } from './layout.js';

// The qemu command line of a guest, from its record: what Nova's libvirt
// driver would put in the domain XML, as qemu arguments. JSON for -blockdev
// and -device, so no path or id ever needs comma escaping.

/** Nova's default kernel command line for AKI/ARI boots without os_command_line. */
export const DEFAULT_CMDLINE = 'root=/dev/vda console=tty0 console=ttyS0';

const json = (o: Record<string, unknown>) => JSON.stringify(o);

export const volumeNode = (volumeId: string) => `vol-${volumeId.slice(0, 11)}`;
export const nicId = (portId: string) => `nic-${portId.slice(0, 11)}`;
export const netdevId = (portId: string) => `net-${portId.slice(0, 11)}`;

function fileBlockdev(node: string, path: string, format: string, readOnly = false): string {
  return json({
    driver: format,
    'node-name': node,
    'read-only': readOnly,
    file: { driver: 'file', filename: path, 'read-only': readOnly },
  });
}

/** The -blockdev of an attached volume (raw files from the file volume driver), also used for hotplug. */
export function volumeBlockdev(v: GuestVolume): Record<string, unknown> {
  return {
    driver: 'raw',
    'node-name': volumeNode(v.volume_id),
    file: { driver: 'file', filename: v.path },
  };
}

export function volumeDevice(v: GuestVolume): Record<string, unknown> {
  return {
    driver: 'virtio-blk-pci',
    drive: volumeNode(v.volume_id),
    id: volumeNode(v.volume_id),
    serial: v.volume_id.slice(0, 20),
  };
}

export function netdev(p: GuestPort): Record<string, unknown> {
  return { type: 'tap', id: netdevId(p.port_id), ifname: tapName(p.port_id), script: 'no', downscript: 'no' };
}

export function nicDevice(p: GuestPort): Record<string, unknown> {
  // no option ROM: guests boot from disk, and iPXE's start-up is slow under TCG
  return {
    driver: 'virtio-net-pci',
    netdev: netdevId(p.port_id),
    mac: p.mac_address,
    id: nicId(p.port_id),
    romfile: '',
  };
}

/** The Nova release whose API pocketstack serves (Zed), as Nova writes its version into SMBIOS. */
const NOVA_VERSION = '26.0.0';

export interface LaunchOptions {
  accel: Accelerator;
  /** Wait for a migration stream (resume from suspend) instead of booting. */
  incoming?: boolean;
  /** The root disk's path and format (the overlay, or a volume's file for boot from volume). */
  root: { path: string; format: string };
}

export function qemuArgs(r: GuestRecord, f: GuestFiles, opts: LaunchOptions): string[] {
  const a: string[] = [
    '-name',
    `guest=${r.name},debug-threads=on`,
    '-uuid',
    r.uuid,
    // what Nova's libvirt driver puts in the guest's SMBIOS: cloud-init's ds-identify looks for
    // "OpenStack Nova" there before it asks the metadata service at all
    '-smbios',
    `type=1,manufacturer=OpenStack Foundation,product=OpenStack Nova,version=${NOVA_VERSION},serial=${r.uuid},uuid=${r.uuid},family=Virtual Machine`,
    '-machine',
    'pc',
    ...(opts.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi']),
    '-m',
    String(r.flavor.memory_mb),
    '-smp',
    String(Math.max(1, r.flavor.vcpus)),
    '-nodefaults',
    '-no-user-config',
    '-rtc',
    'base=utc',
    '-boot',
    'strict=on',
    '-device',
    'VGA',
    '-display',
    'none',
    '-vnc',
    `unix:${f.vnc}`,
    '-chardev',
    `file,id=console,path=${f.console},append=on`,
    '-serial',
    'chardev:console',
    '-qmp',
    `unix:${f.qmp},server=on,wait=off`,
    '-pidfile',
    f.pid,
    '-daemonize',
    '-object',
    json({ 'qom-type': 'rng-random', id: 'rng0', filename: '/dev/urandom' }),
    '-device',
    json({ driver: 'virtio-rng-pci', rng: 'rng0' }),
  ];
  const rescued = r.rescue !== undefined;
  const disks: [string, string, string, boolean][] = []; // node, path, format, read-only
  if (rescued) disks.push(['rescue', f.rescueDisk, 'qcow2', false]);
  disks.push(['root', opts.root.path, opts.root.format, false]);
  if (r.flavor.ephemeral_gb > 0) disks.push(['eph0', f.ephemeral, 'qcow2', false]);
  if (r.flavor.swap > 0) disks.push(['swap', f.swap, 'raw', false]);
  disks.forEach(([node, path, format], i) => {
    a.push('-blockdev', fileBlockdev(node, path, format));
    a.push('-device', json({ driver: 'virtio-blk-pci', drive: node, id: node, ...(i === 0 ? { bootindex: 1 } : {}) }));
  });
  const rootVolume = r.image ? undefined : r.volumes.find((v) => v.device === '/dev/vda');
  for (const v of [...r.volumes].sort((x, y) => x.device.localeCompare(y.device))) {
    if (v === rootVolume) continue;
    a.push('-blockdev', json(volumeBlockdev(v)), '-device', json(volumeDevice(v)));
  }
  if (r.configDrive) {
    a.push('-blockdev', fileBlockdev('config', f.config, 'raw', true));
    a.push('-device', json({ driver: 'ide-cd', drive: 'config', bus: 'ide.1', id: 'config' }));
  }
  for (const p of r.ports) a.push('-netdev', json(netdev(p)), '-device', json(nicDevice(p)));
  const kernelBoot = r.kernel && (!rescued || r.rescue?.image_id === r.image?.image_id);
  if (kernelBoot && r.kernel) {
    a.push('-kernel', r.kernel.path, '-append', r.cmdline ?? DEFAULT_CMDLINE);
    if (r.ramdisk) a.push('-initrd', r.ramdisk.path);
  }
  if (opts.incoming) a.push('-incoming', 'defer');
  return a;
}
