import type { Cloud } from '../../../cloud.js';
import { PowerState } from '../../../drivers/compute/driver.js';
import { computeDriver } from '../driver.js';
import { VmState } from '../states.js';
import { cdb } from '../store.js';
import { guestSpec } from './guest.js';
import { parseInstance } from './model.js';

// On start, the guests the records say exist are made to exist again
// (Nova's resume_guests_state_on_host_boot): a driver that lost them (the
// fake keeps them in memory) spawns them; one that still has them (qemu's
// files) re-adopts those whose process lives and starts those that should
// run and do not (the host rebooted, or qemu died while pocketstack was
// down); each ends in the power state its vm_state says.

const WITH_GUEST: string[] = [
  VmState.ACTIVE,
  VmState.STOPPED,
  VmState.PAUSED,
  VmState.SUSPENDED,
  VmState.RESCUED,
  VmState.RESIZED,
];

export async function restoreGuests(cloud: Cloud): Promise<void> {
  const driver = computeDriver(cloud);
  const rows = await cdb(cloud)
    .selectFrom('nova_instances')
    .selectAll()
    .where('deleted', '=', 0)
    .where('host', 'is not', null)
    .where('vm_state', 'in', WITH_GUEST)
    .execute();
  for (const row of rows) {
    const i = parseInstance(row);
    try {
      const power = await driver.powerState(i.uuid);
      const stopped = i.power_state === PowerState.SHUTDOWN || i.vm_state === VmState.STOPPED;
      if (power === PowerState.NOSTATE) {
        await driver.spawn(await guestSpec(cloud, i));
        if (stopped) await driver.powerOff(i.uuid, { clean: false });
        else if (i.vm_state === VmState.PAUSED) await driver.pause(i.uuid);
        else if (i.vm_state === VmState.SUSPENDED) await driver.suspend(i.uuid);
      } else if (power === PowerState.SHUTDOWN && !stopped && i.vm_state !== VmState.SUSPENDED) {
        await driver.powerOn(i.uuid);
        if (i.vm_state === VmState.PAUSED) await driver.pause(i.uuid);
      } else if (power === PowerState.SUSPENDED && i.vm_state !== VmState.SUSPENDED) {
        await driver.resume(i.uuid);
      }
    } catch (err) {
      cloud.log.warn({ err, server: i.uuid }, 'could not bring a guest back after a restart');
    }
  }
}
