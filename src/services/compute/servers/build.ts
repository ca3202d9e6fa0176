import type { Cloud } from '../../../cloud.js';
import { PowerState } from '../../../drivers/compute/driver.js';
import { atStep } from '../../../faults/faults.js';
import { isoSeconds, now } from '../../../server/time.js';
import { computeDriver } from '../driver.js';
import { removeShelvedImage } from '../glance.js';
import { computeService, serviceIsUp, zoneOfHost } from '../host.js';
import { buildConfigDrive } from '../metadata/config-drive.js';
import { allocateForInstance, deallocateForInstance } from '../neutron.js';
import { TaskState, VmState } from '../states.js';
import { cdb } from '../store.js';
import { connectVolumes, disconnectVolumes, isVolumeBacked } from './block-devices.js';
import { guestSpec, serviceContext } from './guest.js';
import { recordEvent } from './journal.js';
import { changeColumns, compareAndSet, type Fault, type Instance, parseInstance, updateInstance } from './model.js';

// The two tasks every server has: build (schedule, network, spawn) and
// delete (destroy, release ports and volumes, mark deleted). Both are
// idempotent: after a crash the runner starts them again from the top.

const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

class NoValidHost extends Error {
  constructor(reason: string) {
    super(NO_VALID_HOST);
    this.stack = `NoValidHost: ${reason}`;
  }
}

export function fault(code: number, message: string, err?: Error): Fault {
  return { code, message, details: err?.stack ?? err?.message, created: isoSeconds() };
}

export async function loadLive(cloud: Cloud, uuid: string): Promise<Instance | undefined> {
  const row = await cdb(cloud).selectFrom('nova_instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row && !row.deleted ? parseInstance(row) : undefined;
}

/** The scheduler, for one host: enabled and up, room for the flavor, and the group's policy kept. */
async function schedule(cloud: Cloud, i: Instance): Promise<{ host: string; node: string; availability_zone: string }> {
  const db = cdb(cloud);
  // an injected scheduler fault (pocketstack fault add --step compute.schedule) is Nova's NoValidHost
  await atStep(cloud.config, 'compute.schedule').catch((e: Error) => {
    throw new NoValidHost(e.message);
  });
  const svc = await computeService(cloud).catch(() => undefined);
  if (!svc) throw new NoValidHost('there is no compute service');
  if (svc.disabled || !serviceIsUp(svc)) throw new NoValidHost(`compute service on ${svc.host} is disabled or down`);
  const info = computeDriver(cloud).hostInfo();
  const used = await db
    .selectFrom('nova_instances')
    .select((eb) => [
      eb.fn.sum<number>('memory_mb').as('ram'),
      eb.fn.sum<number>('root_gb').as('disk'),
      eb.fn.sum<number>('vcpus').as('vcpus'),
    ])
    .where('host', '=', svc.host)
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  // Nova's default allocation ratios (initial_*_allocation_ratio up to Zed): CPU 16, RAM 1.5, disk 1.0
  if (Number(used.vcpus ?? 0) + i.vcpus > info.vcpus * 16) throw new NoValidHost('not enough vCPUs');
  if (Number(used.ram ?? 0) + i.memory_mb > info.memory_mb * 1.5) throw new NoValidHost('not enough RAM');
  const localDisk = (await isVolumeBacked(db, i.uuid)) ? 0 : i.root_gb;
  if (Number(used.disk ?? 0) + localDisk > info.local_gb) throw new NoValidHost('not enough disk');
  if (i.server_group_id) {
    const group = await db
      .selectFrom('nova_server_groups')
      .select('policy')
      .where('uuid', '=', i.server_group_id)
      .executeTakeFirst();
    if (group?.policy === 'anti-affinity') {
      const other = await db
        .selectFrom('nova_instances')
        .select('uuid')
        .where('server_group_id', '=', i.server_group_id)
        .where('host', '=', svc.host)
        .where('uuid', '!=', i.uuid)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (other) throw new NoValidHost('anti-affinity: the only host already has a member of the group');
    }
  }
  // an instance is in its host's zone once placed, whether or not it asked for one
  const zone = await zoneOfHost(db, svc.host);
  if (i.availability_zone && i.availability_zone !== zone)
    throw new NoValidHost(`no host in availability zone ${i.availability_zone}`);
  return { host: svc.host, node: info.hypervisor_hostname, availability_zone: zone };
}

/**
 * A build that a crash cut at networking or spawning: its task runs again, so
 * undo what the cut run did (the guest, the ports it made or bound) and put the
 * instance back at scheduling. Volumes stay: connectVolumes resumes from what
 * nova_bdms recorded. Returns the instance to build, or undefined when a
 * delete took it over meanwhile.
 */
async function rollBackCutBuild(cloud: Cloud, i: Instance): Promise<Instance | undefined> {
  const db = cdb(cloud);
  cloud.log.warn({ server: i.uuid, task_state: i.task_state }, 'a build cut by a restart starts again');
  await computeDriver(cloud).destroy(i.uuid);
  await deallocateForInstance(cloud, i.uuid);
  await db.deleteFrom('nova_instance_ports').where('instance_uuid', '=', i.uuid).execute();
  const back = await compareAndSet(
    db,
    i.uuid,
    { vm_state: VmState.BUILDING, task_state: i.task_state },
    { task_state: TaskState.SCHEDULING, host: null, node: null },
  );
  return back ? loadLive(cloud, i.uuid) : undefined;
}

async function build(cloud: Cloud, uuid: string, actionId: number | undefined): Promise<void> {
  const db = cdb(cloud);
  let i = await loadLive(cloud, uuid);
  if (!i || i.vm_state !== VmState.BUILDING || i.task_state === TaskState.DELETING) return;
  if (i.task_state === TaskState.NETWORKING || i.task_state === TaskState.SPAWNING) {
    i = await rollBackCutBuild(cloud, i);
    if (!i) return;
  }
  const started = now();
  let host: string | null = null;
  try {
    const placed = await schedule(cloud, i);
    host = placed.host;
    // each step moves on only from where the last left it: a delete meanwhile stops the build
    const step = (from: string, change: Parameters<typeof compareAndSet>[3]) =>
      compareAndSet(db, uuid, { vm_state: VmState.BUILDING, task_state: from }, change);
    if (!(await step(TaskState.SCHEDULING, { ...placed, task_state: TaskState.NETWORKING }))) return;
    const ports = await allocateForInstance(cloud, serviceContext(i), { ...i, ...placed }, i.networks);
    if (ports.length) {
      await db
        .insertInto('nova_instance_ports')
        .values(
          ports.map((p, position) => ({
            instance_uuid: uuid,
            port_id: p.port_id,
            network_id: p.network_id,
            created_by_nova: p.created ? 1 : 0,
            tag: p.tag ?? null,
            position,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (!(await step(TaskState.NETWORKING, { task_state: TaskState.SPAWNING }))) return;
    const fresh = (await loadLive(cloud, uuid)) ?? i;
    const volumes = await connectVolumes(cloud, fresh);
    const drive = fresh.config_drive ? await buildConfigDrive(cloud, fresh) : undefined;
    await computeDriver(cloud).spawn(await guestSpec(cloud, fresh, drive, volumes));
    const at = now();
    // a delete that came in meanwhile wins: it finds the guest and removes it
    await db
      .updateTable('nova_instances')
      .set({
        vm_state: VmState.ACTIVE,
        task_state: null,
        power_state: PowerState.RUNNING,
        launched_at: at,
        updated_at: at,
      })
      .where('uuid', '=', uuid)
      .where('task_state', '=', TaskState.SPAWNING)
      .execute();
    await recordEvent(db, actionId, 'compute__do_build_and_run_instance', started, host);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const message = err instanceof NoValidHost ? err.message : `Build of instance ${uuid} aborted: ${err.message}`;
    await deallocateForInstance(cloud, uuid).catch((x) => cloud.log.warn({ err: x }, 'releasing ports failed'));
    await db
      .updateTable('nova_instances')
      .set(changeColumns({ vm_state: VmState.ERROR, task_state: null, faultInfo: fault(500, message, err) }))
      .where('uuid', '=', uuid)
      .where((eb) => eb.or([eb('task_state', 'is', null), eb('task_state', '!=', TaskState.DELETING)]))
      .execute();
    await recordEvent(
      db,
      actionId,
      err instanceof NoValidHost ? 'conductor_schedule_and_build_instances' : 'compute__do_build_and_run_instance',
      started,
      host,
      err,
    );
  }
}

/** Removes everything of an instance and marks it deleted. Retried with backoff when the driver fails. */
async function destroy(cloud: Cloud, uuid: string, actionId: number | undefined): Promise<void> {
  const db = cdb(cloud);
  const i = await loadLive(cloud, uuid);
  if (!i) return;
  const started = now();
  await computeDriver(cloud).destroy(uuid);
  await deallocateForInstance(cloud, uuid);
  await disconnectVolumes(cloud, uuid);
  if (i.sys.shelved_image_id) await removeShelvedImage(cloud, i.sys.shelved_image_id);
  const at = now();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('nova_console_tokens').where('instance_uuid', '=', uuid).execute();
    await updateInstance(trx, uuid, {
      vm_state: VmState.DELETED,
      task_state: null,
      power_state: PowerState.NOSTATE,
      terminated_at: at,
      deleted_at: at,
      deleted: 1,
    });
  });
  await recordEvent(db, actionId, 'compute_terminate_instance', started, i.host);
}

export function registerBuildTasks(cloud: Cloud): void {
  cloud.tasks.register<{ actionId?: number }>('compute.build', {
    run: (t) => build(cloud, t.resourceId, t.payload.actionId),
  });
  cloud.tasks.register<{ actionId?: number }>('compute.delete', {
    maxAttempts: 5,
    run: (t) => destroy(cloud, t.resourceId, t.payload.actionId),
    failed: async (t, err) => {
      await updateInstance(cdb(cloud), t.resourceId, {
        vm_state: VmState.ERROR,
        task_state: null,
        faultInfo: fault(500, err.message, err),
      });
      await recordEvent(cdb(cloud), t.payload.actionId, 'compute_terminate_instance', now(), null, err);
    },
  });
}
