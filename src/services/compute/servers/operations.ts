import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '../../../cloud.js';
import { type GuestFlavor, PowerState } from '../../../drivers/compute/driver.js';
import { now } from '../../../server/time.js';
import { computeDriver } from '../driver.js';
import type { EmbeddedFlavor } from '../flavors.js';
import { failSnapshot, finishSnapshot } from '../glance.js';
import { TaskState, VmState } from '../states.js';
import { cdb } from '../store.js';
import { fault, loadLive } from './build.js';
import { guestSpec } from './guest.js';
import { recordEvent } from './journal.js';
import { changeColumns, type Instance, type InstanceChange, updateInstance } from './model.js';

// The slow server actions, as a table: the task_state each sets while it
// runs, the driver call, and the state it leaves. The API checks the
// action is allowed, sets the task_state and queues 'compute.action'; the
// runner calls `run` and records the event. A failure leaves vm_state as
// it was (or ERROR, for the operations Nova treats so), clears task_state
// and records the fault.

export interface OperationArgs {
  type?: 'SOFT' | 'HARD';
  flavor?: EmbeddedFlavor;
  imageRef?: string;
  imageId?: string;
  rescueImage?: string;
  clean?: boolean;
  changes?: InstanceChange;
}

interface Operation {
  /** The event name os-instance-actions shows for the work. */
  event: string;
  /** On failure: 'error' puts the instance in ERROR, 'keep' leaves its vm_state. */
  onFailure: 'keep' | 'error';
  run(cloud: Cloud, i: Instance, args: OperationArgs): Promise<InstanceChange>;
}

const running = { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING };

function guestFlavor(f: EmbeddedFlavor): GuestFlavor {
  return {
    vcpus: f.vcpus,
    memory_mb: f.memory_mb,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    swap: f.swap,
    extra_specs: f.extra_specs,
  };
}

export const OPERATIONS: Record<string, Operation> = {
  stop: {
    event: 'compute_stop_instance',
    onFailure: 'keep',
    async run(cloud, i, args) {
      await computeDriver(cloud).powerOff(i.uuid, { clean: args.clean !== false });
      return { vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN };
    },
  },
  start: {
    event: 'compute_start_instance',
    onFailure: 'keep',
    async run(cloud, i) {
      await computeDriver(cloud).powerOn(i.uuid);
      return running;
    },
  },
  reboot: {
    event: 'compute_reboot_instance',
    onFailure: 'error',
    async run(cloud, i, args) {
      await computeDriver(cloud).reboot(i.uuid, args.type ?? 'SOFT');
      return running;
    },
  },
  pause: {
    event: 'compute_pause_instance',
    onFailure: 'keep',
    async run(cloud, i) {
      await computeDriver(cloud).pause(i.uuid);
      return { vm_state: VmState.PAUSED, power_state: PowerState.PAUSED };
    },
  },
  unpause: {
    event: 'compute_unpause_instance',
    onFailure: 'keep',
    async run(cloud, i) {
      await computeDriver(cloud).unpause(i.uuid);
      return running;
    },
  },
  suspend: {
    event: 'compute_suspend_instance',
    onFailure: 'keep',
    async run(cloud, i) {
      await computeDriver(cloud).suspend(i.uuid);
      return { vm_state: VmState.SUSPENDED, power_state: PowerState.SUSPENDED };
    },
  },
  resume: {
    event: 'compute_resume_instance',
    onFailure: 'keep',
    async run(cloud, i) {
      await computeDriver(cloud).resume(i.uuid);
      return running;
    },
  },
  rescue: {
    event: 'compute_rescue_instance',
    onFailure: 'keep',
    async run(cloud, i, args) {
      await computeDriver(cloud).rescue(i.uuid, { id: args.rescueImage ?? i.image_ref });
      return {
        vm_state: VmState.RESCUED,
        power_state: PowerState.RUNNING,
        sys: { ...i.sys, pre_power_state: i.power_state, rescue_image_ref: args.rescueImage ?? i.image_ref },
      };
    },
  },
  unrescue: {
    event: 'compute_unrescue_instance',
    onFailure: 'keep',
    async run(cloud, i) {
      await computeDriver(cloud).unrescue(i.uuid);
      const { pre_power_state: _p, rescue_image_ref: _r, ...sys } = i.sys;
      return { ...running, sys };
    },
  },
  resize: {
    event: 'compute_finish_resize',
    onFailure: 'error',
    async run(cloud, i, args) {
      const flavor = args.flavor!;
      await computeDriver(cloud).resize(i.uuid, guestFlavor(flavor));
      return {
        vm_state: VmState.RESIZED,
        flavorInfo: flavor,
        sys: { ...i.sys, old_flavor: i.flavorInfo, new_flavor: flavor, pre_power_state: i.power_state },
      };
    },
  },
  revertResize: {
    event: 'compute_finish_revert_resize',
    onFailure: 'error',
    async run(cloud, i) {
      const old = i.sys.old_flavor ?? i.flavorInfo;
      await computeDriver(cloud).resize(i.uuid, guestFlavor(old));
      const { old_flavor: _o, new_flavor: _n, pre_power_state, ...sys } = i.sys;
      const stopped = pre_power_state === PowerState.SHUTDOWN;
      return {
        vm_state: stopped ? VmState.STOPPED : VmState.ACTIVE,
        power_state: stopped ? PowerState.SHUTDOWN : PowerState.RUNNING,
        flavorInfo: old,
        sys,
      };
    },
  },
  rebuild: {
    event: 'compute_rebuild_instance',
    onFailure: 'error',
    async run(cloud, i, args) {
      const driver = computeDriver(cloud);
      const wasStopped = i.vm_state === VmState.STOPPED;
      await driver.destroy(i.uuid);
      const rebuilt: Instance = { ...i, image_ref: args.imageRef ?? i.image_ref };
      await driver.spawn(await guestSpec(cloud, rebuilt));
      if (wasStopped) await driver.powerOff(i.uuid);
      return {
        vm_state: wasStopped ? VmState.STOPPED : VmState.ACTIVE,
        power_state: wasStopped ? PowerState.SHUTDOWN : PowerState.RUNNING,
        launched_at: now(),
      };
    },
  },
  createImage: {
    event: 'compute_snapshot_instance',
    onFailure: 'keep',
    async run(cloud, i, args) {
      const db = cdb(cloud);
      const dir = await mkdtemp(join(tmpdir(), 'pocketstack-snapshot-'));
      try {
        await updateInstance(db, i.uuid, { task_state: TaskState.IMAGE_PENDING_UPLOAD });
        const path = join(dir, 'disk');
        await computeDriver(cloud).snapshot(i.uuid, path);
        await updateInstance(db, i.uuid, { task_state: TaskState.IMAGE_UPLOADING });
        await finishSnapshot(cloud, args.imageId!, path);
      } catch (e) {
        await failSnapshot(cloud, args.imageId!).catch(() => undefined);
        throw e;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return {};
    },
  },
};

/** Runs one queued operation and records how it went. */
export async function runOperation(
  cloud: Cloud,
  uuid: string,
  payload: { op: string; actionId?: number; args?: OperationArgs },
): Promise<void> {
  const op = OPERATIONS[payload.op];
  const db = cdb(cloud);
  const i = await loadLive(cloud, uuid);
  if (!op || !i || i.task_state === TaskState.DELETING) return;
  const started = now();
  try {
    const change = await op.run(cloud, i, payload.args ?? {});
    await finish(cloud, uuid, { ...change, task_state: null });
    await recordEvent(db, payload.actionId, op.event, started, i.host);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    await finish(cloud, uuid, {
      task_state: null,
      ...(op.onFailure === 'error' ? { vm_state: VmState.ERROR } : {}),
      faultInfo: fault(500, err.message, err),
    });
    await recordEvent(db, payload.actionId, op.event, started, i.host, err);
  }
}

/** Writes the outcome unless a delete has taken over the instance meanwhile. */
async function finish(cloud: Cloud, uuid: string, change: InstanceChange): Promise<void> {
  await cdb(cloud)
    .updateTable('nova_instances')
    .set(changeColumns(change))
    .where('uuid', '=', uuid)
    .where('deleted', '=', 0)
    .where((eb) => eb.or([eb('task_state', 'is', null), eb('task_state', '!=', TaskState.DELETING)]))
    .execute();
}

export function registerOperationTasks(cloud: Cloud): void {
  cloud.tasks.register<{ op: string; actionId?: number; args?: OperationArgs }>('compute.action', {
    run: (t) => runOperation(cloud, t.resourceId, t.payload),
  });
}
