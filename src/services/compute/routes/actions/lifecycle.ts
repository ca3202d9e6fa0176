import { BadRequest, Conflict, NotFound, NotImplemented } from '../../../../server/errors.js';
import { type NovaRequest, policyDenied, requireComputeAdmin } from '../../api.js';
import { bootImage } from '../../glance.js';
import { DEFAULT_AZ, hostZones } from '../../host.js';
import { isVolumeBacked } from '../../servers/block-devices.js';
import { idFromHref, password } from '../../servers/create.js';
import { updateInstance } from '../../servers/model.js';
import { checkAction, TaskState, VmState } from '../../states.js';
import { cdb } from '../../store.js';
import { strictObject, validateBody, wrapped } from '../../validation.js';
import { deleteInstance } from '../servers.js';
import { snapshotImage } from './images.js';
import { type ActionHandler, recordOnly, simple, startOperation } from './operation.js';

// Power and lifecycle actions: start/stop, reboot, pause, suspend, lock,
// rescue, shelve, reset state, crash dump, deferred delete, admin password
// (Nova's servers.py, pause_server, suspend_server, lock_server, rescue,
// shelve, admin_actions, deferred_delete, admin_password).

export const LIFECYCLE_ACTIONS: Record<string, ActionHandler> = {
  'os-stop': simple('stop', TaskState.POWERING_OFF, 'stop'),
  'os-start': simple('start', TaskState.POWERING_ON, 'start'),
  pause: simple('pause', TaskState.PAUSING, 'pause'),
  unpause: simple('unpause', TaskState.UNPAUSING, 'unpause'),
  suspend: simple('suspend', TaskState.SUSPENDING, 'suspend'),
  resume: simple('resume', TaskState.RESUMING, 'resume'),
  unrescue: simple('unrescue', TaskState.UNRESCUING, 'unrescue'),
  shelveOffload: simple('shelveOffload', TaskState.SHELVING_OFFLOADING, 'shelveOffload'),

  async unshelve(cloud, req, reply, i, body) {
    const { az, host } = unshelveArgs(req, body);
    checkAction(i, 'unshelve', req.auth.isAdmin);
    if ((az !== undefined || host !== undefined) && i.vm_state !== VmState.SHELVED_OFFLOADED)
      throw new Conflict(
        `Specifying an availability zone or a host when unshelving server "${i.uuid}" with status "${i.vm_state}" is not supported. The server status must be SHELVED_OFFLOADED.`,
      );
    const db = cdb(cloud);
    const zones = await hostZones(db);
    const computes = await db
      .selectFrom('nova_services')
      .select(['host', 'disabled'])
      .where('binary', '=', 'nova-compute')
      .execute();
    if (az && !computes.some((c) => !c.disabled && (zones.get(c.host) ?? DEFAULT_AZ) === az))
      throw new BadRequest('The requested availability zone is not available');
    if (host !== undefined) {
      // 2.91: to a named host, admins only
      if (!req.auth.isAdmin) throw policyDenied('os_compute_api:os-shelve:unshelve_to_host');
      if (!computes.some((c) => c.host === host)) throw new BadRequest(`Compute host ${host} could not be found.`);
      const expected = az === undefined ? i.availability_zone : az;
      const at = zones.get(host) ?? DEFAULT_AZ;
      if (expected && expected !== at)
        throw new Conflict(`Host "${host}" is not in the availability zone "${expected}".`);
    }
    // an availability zone given (or null: unpinned) is the server's from now on
    if (az !== undefined) await updateInstance(db, i.uuid, { availability_zone: az });
    await startOperation(cloud, req, i, {
      rule: 'unshelve',
      apiName: 'unshelve',
      action: 'unshelve',
      task: TaskState.UNSHELVING,
      op: 'unshelve',
    });
    return reply.code(202).send();
  },

  async reboot(cloud, req, reply, i, body) {
    const b = validateBody(
      wrapped(
        'reboot',
        strictObject({ type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } }, ['type']),
      ),
      body,
    );
    const hard = b.reboot.type.toUpperCase() === 'HARD';
    await startOperation(cloud, req, i, {
      rule: hard ? 'reboot_hard' : 'reboot_soft',
      apiName: 'reboot',
      action: 'reboot',
      task: hard ? TaskState.REBOOTING_HARD : TaskState.REBOOTING,
      op: 'reboot',
      args: { type: hard ? 'HARD' : 'SOFT' },
    });
    return reply.code(202).send();
  },

  async lock(cloud, req, reply, i, body) {
    const reason = req.microversion.atLeast('2.73') ? (body.lock?.locked_reason ?? null) : null;
    if (reason !== null && (typeof reason !== 'string' || reason.length > 255))
      throw new BadRequest(`Invalid input for field/attribute locked_reason. Value: ${reason}.`);
    checkAction(i, 'lock', req.auth.isAdmin);
    await recordOnly(cloud, req, i, 'lock', {
      locked: 1,
      locked_by: req.auth.projectId === i.project_id ? 'owner' : 'admin',
      locked_reason: reason,
    });
    return reply.code(202).send();
  },

  async unlock(cloud, req, reply, i) {
    if (i.locked && i.locked_by === 'admin' && !req.auth.isAdmin)
      throw policyDenied('os_compute_api:os-lock-server:unlock:unlock_override');
    await recordOnly(cloud, req, i, 'unlock', { locked: 0, locked_by: null, locked_reason: null });
    return reply.code(202).send();
  },

  async rescue(cloud, req, _reply, i, body) {
    const b = body.rescue ?? {};
    if (typeof b !== 'object') throw new BadRequest('Invalid input for field/attribute rescue.');
    let image: string | undefined;
    if (b.rescue_image_ref !== undefined) {
      image = idFromHref(String(b.rescue_image_ref));
      await bootImage(cloud, req.auth, image);
    }
    // a volume-backed server is rescued from 2.87 (the one host can: COMPUTE_RESCUE_BFV)
    if (!req.microversion.atLeast('2.87') && (await isVolumeBacked(cdb(cloud), i.uuid)))
      throw new BadRequest(`Instance ${i.uuid} cannot be rescued: Cannot rescue a volume-backed instance`);
    const adminPass = typeof b.adminPass === 'string' ? b.adminPass : password();
    await startOperation(cloud, req, i, {
      rule: 'rescue',
      apiName: 'rescue',
      action: 'rescue',
      task: TaskState.RESCUING,
      op: 'rescue',
      args: { rescueImage: image },
    });
    return { adminPass };
  },

  async shelve(cloud, req, reply, i) {
    checkAction(i, 'shelve', req.auth.isAdmin);
    const image = i.image_ref
      ? await snapshotImage(cloud, req, i, `${i.display_name}-shelved`, {
          image_type: 'snapshot',
          instance_uuid: i.uuid,
          base_image_ref: i.image_ref,
        })
      : undefined;
    await startOperation(cloud, req, i, {
      rule: 'shelve',
      apiName: 'shelve',
      action: 'shelve',
      task: TaskState.SHELVING,
      op: 'shelve',
      args: { imageId: image?.id },
    });
    return reply.code(202).send();
  },

  async 'os-resetState'(cloud, req, reply, i, body) {
    requireComputeAdmin(req, 'os_compute_api:os-admin-actions:reset_state');
    const state = body['os-resetState']?.state;
    if (state !== 'active' && state !== 'error')
      throw new BadRequest(
        `Invalid input for field/attribute state. Value: ${state}. '${state}' is not one of ['active', 'error']`,
      );
    await recordOnly(cloud, req, i, 'resetState', { vm_state: state, task_state: null });
    return reply.code(202).send();
  },

  async trigger_crash_dump(cloud, req, reply, i) {
    if (!req.microversion.atLeast('2.17')) throw new NotFound('There is no such action: trigger_crash_dump');
    checkAction(i, 'trigger_crash_dump', req.auth.isAdmin);
    await recordOnly(cloud, req, i, 'trigger_crash_dump', {});
    return reply.code(202).send();
  },

  async forceDelete(cloud, req, reply, i) {
    checkAction(i, 'forceDelete', req.auth.isAdmin, 'forceDelete');
    await deleteInstance(cloud, req, i);
    return reply.code(202).send();
  },

  async restore(_cloud, req, reply, i) {
    checkAction(i, 'restore', req.auth.isAdmin);
    return reply.code(202).send();
  },

  async changePassword(_cloud, req, _reply, i, body) {
    const pw = body.changePassword?.adminPass;
    if (typeof pw !== 'string')
      throw new BadRequest(
        "Invalid input for field/attribute changePassword. Value: None. 'adminPass' is a required property",
      );
    checkAction(i, 'changePassword', req.auth.isAdmin);
    throw new NotImplemented('Unable to set password on instance');
  },
};

/**
 * The unshelve body by microversion: before 2.77 anything (ignored); 2.77
 * null or {availability_zone}; 2.91 null or {availability_zone (null
 * unpins), host}, not empty. `az` undefined: the zone stays as it is.
 */
function unshelveArgs(req: NovaRequest, body: any): { az?: string | null; host?: string } {
  const mv = req.microversion;
  if (!mv.atLeast('2.77')) return {};
  const u = body.unshelve;
  if (u === null || u === undefined) return {};
  const bad = (msg: string) =>
    new BadRequest(`Invalid input for field/attribute unshelve. Value: ${JSON.stringify(u)}. ${msg}`);
  if (typeof u !== 'object' || Array.isArray(u)) throw bad("is not of type 'object', 'null'");
  const allowed = mv.atLeast('2.91') ? ['availability_zone', 'host'] : ['availability_zone'];
  const extra = Object.keys(u).filter((k) => !allowed.includes(k));
  if (extra.length) throw bad(`Additional properties are not allowed ('${extra.join("', '")}' was unexpected)`);
  if (Object.keys(u).length === 0)
    throw bad(
      mv.atLeast('2.91') ? 'is not valid under any of the given schemas' : "'availability_zone' is a required property",
    );
  const az = u.availability_zone;
  if (az !== undefined && !(typeof az === 'string' || (az === null && mv.atLeast('2.91'))))
    throw bad('is not valid under any of the given schemas');
  if (u.host !== undefined && typeof u.host !== 'string') throw bad("is not of type 'string'");
  return { ...('availability_zone' in u ? { az } : {}), ...(u.host !== undefined ? { host: u.host } : {}) };
}
