import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound, NotImplemented } from '../../../server/errors.js';
import {
  links,
  type NovaHandler,
  type NovaReply,
  type NovaRequest,
  policyDenied,
  requireComputeAdmin,
} from '../api.js';
import { computeDriver } from '../driver.js';
import { embedFlavor, getFlavor } from '../flavors.js';
import { bootImage, startSnapshot } from '../glance.js';
import { addFloatingIp, addSecurityGroup, removeFloatingIp, removeSecurityGroup } from '../neutron.js';
import { idFromHref, password } from '../servers/create.js';
import { askerOf, recordAction } from '../servers/journal.js';
import { compareAndSet, findInstance, getServer, type Instance, updateInstance } from '../servers/model.js';
import type { OperationArgs } from '../servers/operations.js';
import { rebuildSchema } from '../servers/schemas.js';
import { loadExtras, serverView } from '../servers/view.js';
import { type ACTIONS, checkAction, TaskState, VmState } from '../states.js';
import { cdb } from '../store.js';
import { type Schema, strictObject, types, validateBody, wrapped } from '../validation.js';
import { consoleAction } from './consoles.js';
import { deleteInstance } from './servers.js';

type Rule = keyof typeof ACTIONS;

const nameOnly = (action: string): Schema => wrapped(action, strictObject({ name: types.name }, ['name']));

/**
 * Starts a slow operation: checks the state table, claims the instance
 * with the operation's task_state (a concurrent action loses with Nova's
 * 409), records the instance action and queues the work, in one transaction.
 */
async function startOperation(
  cloud: Cloud,
  req: NovaRequest,
  i: Instance,
  o: { rule: Rule; apiName: string; action: string; task: string; op: string; args?: OperationArgs },
): Promise<void> {
  checkAction(i, o.rule, req.auth.isAdmin, o.apiName);
  await cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const claimed = await compareAndSet(
        trx,
        i.uuid,
        { vm_state: i.vm_state, task_state: i.task_state },
        { task_state: o.task },
      );
      if (!claimed) {
        const now = await findInstance(cloud, req.auth, i.uuid, trx);
        checkAction(now, o.rule, req.auth.isAdmin, o.apiName);
        throw new Conflict(`Cannot '${o.apiName}' instance ${i.uuid} while it is in task_state ${now.task_state}`);
      }
      const actionId = await recordAction(trx, i.uuid, o.action, askerOf(req));
      await cloud.tasks.enqueue('compute.action', i.uuid, { op: o.op, actionId, args: o.args ?? {} }, trx);
    });
}

/** A synchronous action that only changes the record (lock, confirmResize...). */
async function recordOnly(
  cloud: Cloud,
  req: NovaRequest,
  i: Instance,
  action: string,
  change: Parameters<typeof updateInstance>[2],
) {
  await cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await updateInstance(trx, i.uuid, change);
      await recordAction(trx, i.uuid, action, askerOf(req));
    });
}

type Handler = (cloud: Cloud, req: NovaRequest, reply: NovaReply, i: Instance, body: any) => Promise<unknown>;

const simple =
  (rule: Rule, task: string, op: string, action = op): Handler =>
  async (cloud, req, reply, i) => {
    await startOperation(cloud, req, i, { rule, apiName: action, action, task, op });
    return reply.code(202).send();
  };

const HANDLERS: Record<string, Handler> = {
  'os-stop': simple('stop', TaskState.POWERING_OFF, 'stop'),
  'os-start': simple('start', TaskState.POWERING_ON, 'start'),
  pause: simple('pause', TaskState.PAUSING, 'pause'),
  unpause: simple('unpause', TaskState.UNPAUSING, 'unpause'),
  suspend: simple('suspend', TaskState.SUSPENDING, 'suspend'),
  resume: simple('resume', TaskState.RESUMING, 'resume'),
  unrescue: simple('unrescue', TaskState.UNRESCUING, 'unrescue'),
  revertResize: async (cloud, req, reply, i) => {
    if (i.vm_state === VmState.RESIZED || !i.sys.old_flavor) {
      await startOperation(cloud, req, i, {
        rule: 'revertResize',
        apiName: 'revertResize',
        action: 'revertResize',
        task: TaskState.RESIZE_REVERTING,
        op: 'revertResize',
      });
      return reply.code(202).send();
    }
    throw new BadRequest('Instance has not been resized.');
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

  async resize(cloud, req, reply, i, body) {
    const b = validateBody(
      wrapped(
        'resize',
        strictObject(
          {
            flavorRef: { type: ['string', 'integer'], minLength: 1 },
            'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
          },
          ['flavorRef'],
        ),
      ),
      body,
    );
    const id = idFromHref(String(b.resize.flavorRef));
    const flavor = await getFlavor(cloud, req.auth, id).catch(() => {
      throw new BadRequest('Unable to locate requested flavor.');
    });
    checkAction(i, 'resize', req.auth.isAdmin);
    if (flavor.flavorid === i.flavorid) throw new BadRequest('When resizing, instances must change flavor!');
    if (flavor.root_gb < i.flavorInfo.root_gb)
      throw new BadRequest(
        'Server disk was unable to be resized because: Resize to smaller disk flavor is not allowed.',
      );
    await startOperation(cloud, req, i, {
      rule: 'resize',
      apiName: 'resize',
      action: 'resize',
      task: TaskState.RESIZE_PREP,
      op: 'resize',
      args: { flavor: embedFlavor(flavor) },
    });
    return reply.code(202).send();
  },

  async confirmResize(cloud, req, reply, i) {
    if (i.vm_state !== VmState.RESIZED) {
      if (!i.sys.old_flavor) throw new BadRequest('Instance has not been resized.');
      checkAction(i, 'confirmResize', req.auth.isAdmin, 'confirmResize');
    }
    checkAction(i, 'confirmResize', req.auth.isAdmin, 'confirmResize');
    const { old_flavor: _o, new_flavor: _n, pre_power_state, ...sys } = i.sys;
    await recordOnly(cloud, req, i, 'confirmResize', {
      vm_state: pre_power_state === 4 ? VmState.STOPPED : VmState.ACTIVE,
      sys,
    });
    return reply.code(204).send();
  },

  async rebuild(cloud, req, reply, i, body) {
    const b = validateBody(rebuildSchema(req.microversion), body).rebuild as Record<string, any>;
    const imageRef = idFromHref(String(b.imageRef));
    const image = await bootImage(cloud, req.auth, imageRef).catch(() => {
      throw new BadRequest('Cannot find image for rebuild');
    });
    checkAction(i, 'rebuild', req.auth.isAdmin);
    const changes = {
      image_ref: image.id,
      ...(b.name !== undefined ? { display_name: b.name } : {}),
      ...(b.description !== undefined ? { display_description: b.description } : {}),
      ...(b.metadata !== undefined ? { meta: b.metadata } : {}),
      ...(b.accessIPv4 !== undefined ? { access_ip_v4: b.accessIPv4 } : {}),
      ...(b.accessIPv6 !== undefined ? { access_ip_v6: b.accessIPv6 } : {}),
      ...(b.user_data !== undefined ? { user_data: b.user_data } : {}),
      ...(b['OS-DCF:diskConfig'] !== undefined
        ? { sys: { ...i.sys, auto_disk_config: b['OS-DCF:diskConfig'] === 'AUTO' } }
        : {}),
    };
    await updateInstance(cdb(cloud), i.uuid, changes);
    await startOperation(
      cloud,
      req,
      { ...i },
      {
        rule: 'rebuild',
        apiName: 'rebuild',
        action: 'rebuild',
        task: TaskState.REBUILDING,
        op: 'rebuild',
        args: { imageRef: image.id },
      },
    );
    const fresh = await findInstance(cloud, req.auth, i.uuid);
    const extras = await loadExtras(cloud, [fresh]);
    const view = serverView(req, fresh, extras.get(fresh.uuid)!, { reply: 'rebuild' });
    const adminPass = b.adminPass ?? password();
    reply.header('Location', links(req, 'servers', i.uuid)[0].href);
    return reply.code(202).send({ server: { ...view, adminPass } });
  },

  async createImage(cloud, req, reply, i, body) {
    const b = validateBody(
      wrapped('createImage', strictObject({ name: types.name, metadata: types.metadata }, ['name'])),
      body,
    );
    checkAction(i, 'createImage', req.auth.isAdmin, 'createImage');
    const image = await startSnapshot(cloud, req.auth, {
      name: b.createImage.name.trim(),
      min_disk: i.flavorInfo.root_gb,
      min_ram: 0,
      // Nova lets the request's metadata override its own properties
      properties: {
        image_type: 'snapshot',
        instance_uuid: i.uuid,
        base_image_ref: i.image_ref,
        user_id: req.auth.userId,
        ...(b.createImage.metadata ?? {}),
      },
    });
    await startOperation(cloud, req, i, {
      rule: 'createImage',
      apiName: 'createImage',
      action: 'createImage',
      task: TaskState.IMAGE_SNAPSHOT,
      op: 'createImage',
      args: { imageId: image.id },
    });
    if (req.microversion.atLeast('2.45')) return reply.code(202).send({ image_id: image.id });
    reply.header('Location', `${links(req, 'images', image.id)[0].href}`);
    return reply.code(202).send();
  },

  async addSecurityGroup(cloud, req, reply, i, body) {
    const { name } = validateBody(nameOnly('addSecurityGroup'), body).addSecurityGroup;
    await addSecurityGroup(cloud, req.auth, i, name);
    return reply.code(202).send();
  },

  async removeSecurityGroup(cloud, req, reply, i, body) {
    const { name } = validateBody(nameOnly('removeSecurityGroup'), body).removeSecurityGroup;
    await removeSecurityGroup(cloud, req.auth, i, name);
    return reply.code(202).send();
  },

  async 'os-getConsoleOutput'(cloud, _req, _reply, i, body) {
    const raw = body['os-getConsoleOutput']?.length;
    let length: number | undefined;
    if (raw !== undefined && raw !== null) {
      if (!/^-?\d+$/.test(String(raw)))
        throw new BadRequest(
          `Invalid input for field/attribute length. Value: ${raw}. '${raw}' does not match '^-?[0-9]+$'`,
        );
      length = Number(raw);
      if (length < -1)
        throw new BadRequest(
          `Invalid input for field/attribute length. Value: ${raw}. ${raw} is less than the minimum of -1`,
        );
      if (length === -1) length = undefined;
    }
    if (!i.host || i.vm_state === VmState.BUILDING) throw new Conflict(`Instance ${i.uuid} is not ready`);
    const output = await computeDriver(cloud)
      .consoleOutput(i.uuid, length)
      .catch(() => {
        throw new NotFound(`Guest does not have a console available.`);
      });
    return { output };
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

  async changePassword(_cloud, req, _reply, i, body) {
    const pw = body.changePassword?.adminPass;
    if (typeof pw !== 'string')
      throw new BadRequest(
        "Invalid input for field/attribute changePassword. Value: None. 'adminPass' is a required property",
      );
    checkAction(i, 'changePassword', req.auth.isAdmin);
    throw new NotImplemented('Unable to set password on instance');
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

  async shelve(cloud, req, reply, i) {
    checkAction(i, 'shelve', req.auth.isAdmin);
    const image = i.image_ref
      ? await startSnapshot(cloud, req.auth, {
          name: `${i.display_name}-shelved`,
          min_disk: i.flavorInfo.root_gb,
          min_ram: 0,
          properties: { image_type: 'snapshot', instance_uuid: i.uuid, base_image_ref: i.image_ref },
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

  shelveOffload: simple('shelveOffload', TaskState.SHELVING_OFFLOADING, 'shelveOffload'),

  unshelve: simple('unshelve', TaskState.UNSHELVING, 'unshelve'),

  async createBackup(cloud, req, reply, i, body) {
    const b = validateBody(
      wrapped(
        'createBackup',
        strictObject(
          {
            name: types.name,
            backup_type: { type: 'string' },
            rotation: types.nonNegativeInteger,
            metadata: types.metadata,
          },
          ['name', 'backup_type', 'rotation'],
        ),
      ),
      body,
    ).createBackup;
    checkAction(i, 'createBackup', req.auth.isAdmin, 'createBackup');
    const image = await startSnapshot(cloud, req.auth, {
      name: b.name,
      min_disk: i.flavorInfo.root_gb,
      min_ram: 0,
      properties: {
        ...(b.metadata ?? {}),
        image_type: 'backup',
        backup_type: b.backup_type,
        instance_uuid: i.uuid,
        base_image_ref: i.image_ref,
        user_id: req.auth.userId,
      },
    });
    await startOperation(cloud, req, i, {
      rule: 'createBackup',
      apiName: 'createBackup',
      action: 'createBackup',
      task: TaskState.IMAGE_BACKUP,
      op: 'createImage',
      args: { imageId: image.id, backupType: b.backup_type, rotation: Number(b.rotation) },
    });
    if (req.microversion.atLeast('2.45')) return reply.code(202).send({ image_id: image.id });
    reply.header('Location', `${links(req, 'images', image.id)[0].href}`);
    return reply.code(202).send();
  },

  async migrate(_cloud, req, _reply, i) {
    requireComputeAdmin(req, 'os_compute_api:os-migrate-server:migrate');
    checkAction(i, 'resize', req.auth.isAdmin, 'migrate');
    // one compute host: there is nowhere else to go
    throw new BadRequest('No valid host was found. No valid host found for cold migrate');
  },

  async 'os-migrateLive'(cloud, req, _reply, i, body) {
    requireComputeAdmin(req, 'os_compute_api:os-migrate-server:migrate_live');
    const host = body['os-migrateLive']?.host;
    checkAction(i, 'live_migrate', req.auth.isAdmin, 'os-migrateLive');
    if (host) {
      const svc = await cdb(cloud)
        .selectFrom('nova_services')
        .select('host')
        .where('host', '=', host)
        .where('binary', '=', 'nova-compute')
        .executeTakeFirst();
      if (!svc) throw new BadRequest(`Compute host ${host} could not be found.`);
    }
    throw new BadRequest('No valid host was found. There are not enough hosts available.');
  },

  async addFloatingIp(cloud, req, reply, i, body) {
    if (req.microversion.atLeast('2.44')) throw new NotFound('There is no such action: addFloatingIp');
    const b = body.addFloatingIp ?? {};
    if (typeof b.address !== 'string')
      throw new BadRequest("Invalid input for field/attribute addFloatingIp. 'address' is a required property");
    await addFloatingIp(cloud, req.auth, i, b.address, b.fixed_address);
    return reply.code(202).send();
  },

  async removeFloatingIp(cloud, req, reply, i, body) {
    if (req.microversion.atLeast('2.44')) throw new NotFound('There is no such action: removeFloatingIp');
    const address = body.removeFloatingIp?.address;
    if (typeof address !== 'string')
      throw new BadRequest("Invalid input for field/attribute removeFloatingIp. 'address' is a required property");
    await removeFloatingIp(cloud, req.auth, i, address);
    return reply.code(202).send();
  },

  async restore(_cloud, req, reply, i) {
    checkAction(i, 'restore', req.auth.isAdmin);
    return reply.code(202).send();
  },
};

/** POST /servers/{id}/action: one action named by the body's single key. */
export const serverAction: NovaHandler = async (cloud, req, reply) => {
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Malformed request body');
  const name = Object.keys(body)[0];
  const i = await getServer(cloud, req);
  const console = consoleAction(name);
  if (console) return console(cloud, req, i, body);
  const handler = HANDLERS[name];
  if (!handler) {
    if (name === 'evacuate') throw new NotImplemented(`pocketstack does not support the '${name}' server action yet.`);
    throw new BadRequest(`There is no such action: ${name}`);
  }
  return handler(cloud, req, reply, i, body);
};

/** POST /servers/{id}/action: one action named by the body's single key. */
export async function serverActionRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/servers/:id/action', (req, reply) => serverAction(cloud, req, reply));
}
