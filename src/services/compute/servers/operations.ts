import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cloud } from '../../../cloud.js';
import { scratchDir } from '../../../data-dir.js';
import { type ComputeDriver, type GuestFlavor, PowerState } from '../../../drivers/compute/driver.js';
import { now } from '../../../server/time.js';
import { complete, reimage, release, volumeLocation } from '../cinder.js';
import { computeDriver } from '../driver.js';
import type { EmbeddedFlavor } from '../flavors.js';
import { failSnapshot, finishSnapshot, removeShelvedImage, rotateBackups } from '../glance.js';
import { computeService, DEFAULT_AZ, hostZones } from '../host.js';
import { TaskState, VmState } from '../states.js';
import { cdb } from '../store.js';
import { nextDevice } from './block-devices.js';
import { fault, loadLive } from './build.js';
import { guestImage, guestSpec } from './guest.js';
import { recordEvent } from './journal.js';
import { changeColumns, type Instance, type InstanceChange, updateInstance } from './model.js';

// The slow server actions, as a table: the task_state each sets while it
// runs, the driver call, and the state it leaves. The API checks the
// action is allowed, sets the task_state and queues 'compute.action'; the
// runner calls `run` and records the event. A failure leaves vm_state as
// it was (or ERROR, for the operations Nova treats so), clears task_state
// and records the fault.

export interface OperationArgs {
  backupType?: string;
  rotation?: number;
  volumeId?: string;
  bdmId?: number;
  type?: 'SOFT' | 'HARD';
  flavor?: EmbeddedFlavor;
  imageRef?: string;
  /** The root volume a rebuild rewrites with imageRef (a volume-backed server, 2.93). */
  reimageVolume?: string;
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
  /** Runs without a task_state of its own (volume attach/detach): never touches task_state. */
  taskless?: boolean;
  run(cloud: Cloud, i: Instance, args: OperationArgs): Promise<InstanceChange>;
}

const running = { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING };

/** An operation that is one driver call and leaves a fixed state (the power actions). */
function driverCall(
  event: string,
  call: (driver: ComputeDriver, i: Instance, args: OperationArgs) => Promise<void>,
  result: InstanceChange,
  onFailure: 'keep' | 'error' = 'keep',
): Operation {
  return {
    event,
    onFailure,
    async run(cloud, i, args) {
      await call(computeDriver(cloud), i, args);
      return result;
    },
  };
}

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
  attachVolume: {
    event: 'compute_attach_volume',
    onFailure: 'keep',
    taskless: true,
    async run(cloud, i, args) {
      const db = cdb(cloud);
      const b = await db.selectFrom('nova_bdms').selectAll().where('id', '=', args.bdmId!).executeTakeFirst();
      if (!b?.attachment_id || !b.volume_id) return {};
      const volume = { volume_id: b.volume_id, device: b.device_name!, path: volumeLocation(cloud, b.volume_id) };
      try {
        await computeDriver(cloud).attachVolume(i.uuid, volume);
        await complete(cloud, b.attachment_id, volume.device, i.host);
      } catch (e) {
        // the guest does not see it: the volume goes back to available and the mapping away
        await computeDriver(cloud)
          .detachVolume(i.uuid, b.volume_id)
          .catch(() => undefined);
        await release(cloud, b.attachment_id);
        await db.deleteFrom('nova_bdms').where('id', '=', b.id).execute();
        throw e;
      }
      return {};
    },
  },
  detachVolume: {
    event: 'compute_detach_volume',
    onFailure: 'keep',
    taskless: true,
    async run(cloud, i, args) {
      const db = cdb(cloud);
      const b = await db.selectFrom('nova_bdms').selectAll().where('id', '=', args.bdmId!).executeTakeFirst();
      if (!b) return {};
      await computeDriver(cloud).detachVolume(i.uuid, b.volume_id!);
      if (b.attachment_id) await release(cloud, b.attachment_id);
      await db.deleteFrom('nova_bdms').where('id', '=', b.id).execute();
      return {};
    },
  },
  stop: driverCall('compute_stop_instance', (d, i, a) => d.powerOff(i.uuid, { clean: a.clean !== false }), {
    vm_state: VmState.STOPPED,
    power_state: PowerState.SHUTDOWN,
  }),
  start: driverCall('compute_start_instance', (d, i) => d.powerOn(i.uuid), running),
  reboot: driverCall('compute_reboot_instance', (d, i, a) => d.reboot(i.uuid, a.type ?? 'SOFT'), running, 'error'),
  pause: driverCall('compute_pause_instance', (d, i) => d.pause(i.uuid), {
    vm_state: VmState.PAUSED,
    power_state: PowerState.PAUSED,
  }),
  unpause: driverCall('compute_unpause_instance', (d, i) => d.unpause(i.uuid), running),
  suspend: driverCall('compute_suspend_instance', (d, i) => d.suspend(i.uuid), {
    vm_state: VmState.SUSPENDED,
    power_state: PowerState.SUSPENDED,
  }),
  resume: driverCall('compute_resume_instance', (d, i) => d.resume(i.uuid), running),
  rescue: {
    event: 'compute_rescue_instance',
    onFailure: 'keep',
    async run(cloud, i, args) {
      const image = await guestImage(cloud, i, args.rescueImage ?? i.image_ref);
      await computeDriver(cloud).rescue(i.uuid, image ?? { id: args.rescueImage ?? i.image_ref });
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
      if (args.reimageVolume) await reimage(cloud, args.reimageVolume, args.imageRef!);
      const rebuilt: Instance = i.image_ref ? { ...i, image_ref: args.imageRef ?? i.image_ref } : i;
      await driver.spawn(await guestSpec(cloud, rebuilt));
      if (wasStopped) await driver.powerOff(i.uuid);
      return {
        vm_state: wasStopped ? VmState.STOPPED : VmState.ACTIVE,
        power_state: wasStopped ? PowerState.SHUTDOWN : PowerState.RUNNING,
        launched_at: now(),
      };
    },
  },
  shelve: {
    event: 'compute_shelve_instance',
    onFailure: 'keep',
    async run(cloud, i, args) {
      // Nova's default shelved_offload_time is 0: shelving offloads at once
      if (args.imageId) await snapshotInto(cloud, i, args.imageId);
      await computeDriver(cloud).destroy(i.uuid);
      return {
        vm_state: VmState.SHELVED_OFFLOADED,
        power_state: PowerState.SHUTDOWN,
        host: null,
        node: null,
        sys: { ...i.sys, shelved_image_id: args.imageId, pre_power_state: i.power_state },
      };
    },
  },
  shelveOffload: {
    event: 'compute_shelve_offload_instance',
    onFailure: 'keep',
    async run(cloud, i) {
      await computeDriver(cloud).destroy(i.uuid);
      return { vm_state: VmState.SHELVED_OFFLOADED, host: null, node: null };
    },
  },
  unshelve: {
    event: 'compute_unshelve_instance',
    onFailure: 'error',
    async run(cloud, i) {
      const svc = await computeService(cloud);
      const placed = { ...i, host: svc.host, node: computeDriver(cloud).hostInfo().hypervisor_hostname };
      await placeShelvedVolumes(cloud, placed);
      await computeDriver(cloud).spawn(await guestSpec(cloud, placed));
      const { shelved_image_id, pre_power_state: _p, ...sys } = i.sys;
      if (shelved_image_id) await removeShelvedImage(cloud, shelved_image_id);
      // as after a build, the server is in its host's zone
      const zone = (await hostZones(cdb(cloud))).get(placed.host) ?? DEFAULT_AZ;
      return {
        vm_state: VmState.ACTIVE,
        power_state: PowerState.RUNNING,
        host: placed.host,
        node: placed.node,
        availability_zone: zone,
        sys,
      };
    },
  },
  createImage: {
    event: 'compute_snapshot_instance',
    onFailure: 'keep',
    async run(cloud, i, args) {
      await snapshotInto(cloud, i, args.imageId!);
      if (args.rotation !== undefined) await rotateBackups(cloud, i, args.backupType ?? '', args.rotation);
      return {};
    },
  },
};

/** Volumes attached while the server was offloaded get their device now, on the host it comes back to. */
async function placeShelvedVolumes(cloud: Cloud, i: Instance): Promise<void> {
  const db = cdb(cloud);
  const waiting = await db
    .selectFrom('nova_bdms')
    .selectAll()
    .where('instance_uuid', '=', i.uuid)
    .where('device_name', 'is', null)
    .where('attachment_id', 'is not', null)
    .orderBy('id')
    .execute();
  for (const b of waiting) {
    const device = await nextDevice(db, i.uuid);
    await db.updateTable('nova_bdms').set({ device_name: device }).where('id', '=', b.id).execute();
    await complete(cloud, b.attachment_id!, device, i.host);
  }
}

/** The guest's disk into an image in `saving`: active afterwards, killed if it fails. */
async function snapshotInto(cloud: Cloud, i: Instance, imageId: string): Promise<void> {
  const db = cdb(cloud);
  const dir = await mkdtemp(join(scratchDir(cloud.config.dataDir), 'snapshot-'));
  try {
    await updateInstance(db, i.uuid, { task_state: TaskState.IMAGE_PENDING_UPLOAD });
    const path = join(dir, 'disk');
    await computeDriver(cloud).snapshot(i.uuid, path);
    await updateInstance(db, i.uuid, { task_state: TaskState.IMAGE_UPLOADING });
    await finishSnapshot(cloud, imageId, path);
  } catch (e) {
    await failSnapshot(cloud, imageId).catch(() => undefined);
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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
    await finish(cloud, uuid, op.taskless ? change : { ...change, task_state: null });
    await recordEvent(db, payload.actionId, op.event, started, i.host);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    await finish(cloud, uuid, {
      ...(op.taskless ? {} : { task_state: null }),
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
