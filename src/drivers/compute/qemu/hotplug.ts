import type { GuestPort, GuestVolume } from '../driver.js';
import { netdev, netdevId, nicDevice, nicId, volumeBlockdev, volumeDevice, volumeNode } from './argv.js';
import { type Qmp, QmpError } from './qmp.js';

// Hotplug through QMP: a volume is a raw blockdev plus a virtio-blk-pci
// device, a NIC a tap netdev plus a virtio-net-pci device, on the PCI root
// bus (ACPI hotplug of the pc machine). Removing a device needs the guest's
// consent (it ejects the device), so removal waits, bounded, for the device
// to leave /machine/peripheral before its backend is deleted.

const UNPLUG_MS = 60_000;

async function present(q: Qmp, id: string): Promise<boolean> {
  const list = await q.execute<{ name: string }[]>('qom-list', { path: '/machine/peripheral' });
  return list.some((p) => p.name === id);
}

async function unplug(q: Qmp, id: string): Promise<void> {
  if (!(await present(q, id))) return;
  await q.execute('device_del', { id }).catch((e) => {
    if (!(e instanceof QmpError && e.klass === 'DeviceNotFound')) throw e;
  });
  const end = Date.now() + UNPLUG_MS;
  while (await present(q, id)) {
    if (Date.now() > end) throw new Error(`the guest did not release device ${id} within ${UNPLUG_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function addVolume(q: Qmp, v: GuestVolume): Promise<void> {
  await q.execute('blockdev-add', volumeBlockdev(v));
  try {
    await q.execute('device_add', volumeDevice(v));
  } catch (e) {
    await q.execute('blockdev-del', { 'node-name': volumeNode(v.volume_id) }).catch(() => undefined);
    throw e;
  }
}

export async function removeVolume(q: Qmp, volumeId: string): Promise<void> {
  await unplug(q, volumeNode(volumeId));
  await q.execute('blockdev-del', { 'node-name': volumeNode(volumeId) }).catch((e) => {
    if (!(e instanceof QmpError && /not found|Cannot find/i.test(e.message))) throw e;
  });
}

export async function addNic(q: Qmp, p: GuestPort): Promise<void> {
  await q.execute('netdev_add', netdev(p));
  try {
    await q.execute('device_add', nicDevice(p));
  } catch (e) {
    await q.execute('netdev_del', { id: netdevId(p.port_id) }).catch(() => undefined);
    throw e;
  }
}

export async function removeNic(q: Qmp, portId: string): Promise<void> {
  await unplug(q, nicId(portId));
  await q.execute('netdev_del', { id: netdevId(portId) }).catch(() => undefined);
}
