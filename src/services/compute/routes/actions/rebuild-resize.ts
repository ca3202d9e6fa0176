import { BadRequest } from '../../../../server/errors.js';
import { links, requireComputeAdmin } from '../../api.js';
import { novaVolume } from '../../cinder.js';
import { embedFlavor, getFlavor } from '../../flavors.js';
import { bootImage } from '../../glance.js';
import { checkResizeQuota } from '../../quotas.js';
import { idFromHref, password } from '../../servers/create.js';
import { findInstance, updateInstance } from '../../servers/model.js';
import { rebuildSchema } from '../../servers/schemas.js';
import { loadExtras, serverView } from '../../servers/view.js';
import { checkAction, TaskState, VmState } from '../../states.js';
import { cdb } from '../../store.js';
import { strictObject, validateBody, wrapped } from '../../validation.js';
import { type ActionHandler, recordOnly, simple, startOperation } from './operation.js';

// Actions that give a server another disk or flavor: rebuild, resize with
// its confirm and revert, and the migrations that one compute host refuses
// (Nova's servers.py, migrate_server).

const revert = simple('revertResize', TaskState.RESIZE_REVERTING, 'revertResize');

export const REBUILD_RESIZE_ACTIONS: Record<string, ActionHandler> = {
  async rebuild(cloud, req, reply, i, body) {
    const b = validateBody(rebuildSchema(req.microversion), body).rebuild as Record<string, any>;
    const imageRef = idFromHref(String(b.imageRef));
    const image = await bootImage(cloud, req.auth, imageRef).catch(() => {
      throw new BadRequest('Cannot find image for rebuild');
    });
    checkAction(i, 'rebuild', req.auth.isAdmin);
    // a volume-backed server keeps an empty image_ref; a new image rewrites
    // its root volume, which Nova does from 2.93 and refuses before
    const root = await cdb(cloud)
      .selectFrom('nova_bdms')
      .select('volume_id')
      .where('instance_uuid', '=', i.uuid)
      .where('boot_index', '=', 0)
      .executeTakeFirst();
    let reimageVolume: string | undefined;
    if (root?.volume_id) {
      const volume = await novaVolume(cloud, root.volume_id);
      if (volume.imageMetadata.image_id !== image.id) {
        if (!req.microversion.atLeast('2.93'))
          throw new BadRequest(
            `Image ${image.id} is unacceptable: Unable to rebuild with a different image for a volume-backed server.`,
          );
        reimageVolume = root.volume_id;
      }
    }
    const changes = {
      ...(root ? {} : { image_ref: image.id }),
      ...(b.name !== undefined ? { display_name: b.name } : {}),
      ...(b.description !== undefined ? { display_description: b.description } : {}),
      ...(b.metadata !== undefined ? { meta: b.metadata } : {}),
      ...(b.accessIPv4 !== undefined ? { access_ip_v4: b.accessIPv4 } : {}),
      ...(b.accessIPv6 !== undefined ? { access_ip_v6: b.accessIPv6 } : {}),
      ...(b.user_data !== undefined ? { user_data: b.user_data } : {}),
      ...(b.hostname !== undefined ? { hostname: b.hostname } : {}),
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
        args: { imageRef: image.id, ...(reimageVolume ? { reimageVolume } : {}) },
      },
    );
    const fresh = await findInstance(cloud, req.auth, i.uuid);
    const extras = await loadExtras(cloud, [fresh]);
    const view = serverView(req, fresh, extras.get(fresh.uuid)!, { reply: 'rebuild' });
    // from 2.57 the rebuilt server's user_data is in the answer, once, at the top
    if (req.microversion.atLeast('2.57')) {
      delete view['OS-EXT-SRV-ATTR:user_data'];
      view.user_data = fresh.user_data;
    }
    const adminPass = b.adminPass ?? password();
    reply.header('Location', links(req, 'servers', i.uuid)[0].href);
    return reply.code(202).send({ server: { ...view, adminPass } });
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
    await checkResizeQuota(cdb(cloud), i.project_id, i.user_id, {
      cores: flavor.vcpus - i.flavorInfo.vcpus,
      ram: flavor.memory_mb - i.flavorInfo.memory_mb,
    });
    const diskConfig = b.resize['OS-DCF:diskConfig'];
    if (diskConfig !== undefined)
      await updateInstance(cdb(cloud), i.uuid, { sys: { ...i.sys, auto_disk_config: diskConfig === 'AUTO' } });
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
    if (i.vm_state !== VmState.RESIZED && !i.sys.old_flavor) throw new BadRequest('Instance has not been resized.');
    checkAction(i, 'confirmResize', req.auth.isAdmin, 'confirmResize');
    const { old_flavor: _o, new_flavor: _n, pre_power_state, ...sys } = i.sys;
    await recordOnly(cloud, req, i, 'confirmResize', {
      vm_state: pre_power_state === 4 ? VmState.STOPPED : VmState.ACTIVE,
      sys,
    });
    return reply.code(204).send();
  },

  async revertResize(cloud, req, reply, i, body) {
    if (i.vm_state === VmState.RESIZED || !i.sys.old_flavor) return revert(cloud, req, reply, i, body);
    throw new BadRequest('Instance has not been resized.');
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
};
