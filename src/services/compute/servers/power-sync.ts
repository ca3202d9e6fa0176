import type { Cloud } from '../../../cloud.js';
import { PowerState, type PowerStateValue } from '../../../drivers/compute/driver.js';
import { requestId } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { computeDriver } from '../driver.js';
import { VmState } from '../states.js';
import { cdb } from '../store.js';
import { loadLive } from './build.js';
import { recordAction, recordEvent } from './journal.js';

// Nova's power-state sync (_sync_instance_power_state), driven by the
// driver's report instead of a 10-minute poll: a guest whose hypervisor
// process stopped by itself while Nova thinks it runs is stopped through
// the API's path, so it shows SHUTOFF and its actions list a 'stop' with a
// compute_stop_instance event. Instances with a task in flight are left
// alone (the task decides), as Nova skips them.

const SHOULD_RUN: string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED, VmState.RESIZED];

export async function syncPowerState(cloud: Cloud, uuid: string, power: PowerStateValue): Promise<void> {
  if (power !== PowerState.SHUTDOWN && power !== PowerState.CRASHED) return;
  const db = cdb(cloud);
  const i = await loadLive(cloud, uuid);
  if (!i || i.task_state !== null || !SHOULD_RUN.includes(i.vm_state)) return;
  const started = now();
  // the power-sync runs with an admin context in Nova; the action is filed under the instance's owner here
  const actionId = await recordAction(db, uuid, 'stop', {
    userId: i.user_id,
    projectId: i.project_id,
    requestId: requestId(),
  });
  const changed = await db
    .updateTable('nova_instances')
    .set({ vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN, updated_at: now() })
    .where('uuid', '=', uuid)
    .where('vm_state', '=', i.vm_state)
    .where('task_state', 'is', null)
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) === 0) return;
  await recordEvent(db, actionId, 'compute_stop_instance', started, i.host);
  cloud.log.warn({ server: uuid }, 'instance shut down by itself: stopped (power-state sync)');
}

/** Subscribes the compute service to the driver's power reports. */
export function startPowerSync(cloud: Cloud): void {
  computeDriver(cloud).onPowerChange?.((uuid, power) => {
    syncPowerState(cloud, uuid, power).catch((err) => cloud.log.warn({ err, server: uuid }, 'power-state sync failed'));
  });
}
