import { BadRequest, NotFound, NotImplemented } from '../../../../server/errors.js';
import { policyDenied, requireComputeAdmin } from '../../api.js';
import { bootImage } from '../../glance.js';
import { idFromHref, password } from '../../servers/create.js';
import { checkAction, TaskState } from '../../states.js';
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
  unshelve: simple('unshelve', TaskState.UNSHELVING, 'unshelve'),

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
