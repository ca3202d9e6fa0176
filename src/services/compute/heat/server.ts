import { isUuid } from '../../../server/ids.js';
import { findImage } from '../../image/heat/find.js';
import * as neutron from '../../network/internal.js';
import {
  type Props,
  type ResourceContext,
  ResourceError,
  type ResourcePlugin,
} from '../../orchestration/engine/plugin.js';
import { configText } from '../../orchestration/software-configs.js';
import { pyDumps } from '../../orchestration/template/pyjson.js';
import * as internal from '../internal.js';
import { isGone, novaCall } from './nova.js';
import { serverAttributes, serverProperties } from './server-schema.js';
import { serverAttribute, waitFor, waitGone } from './server-state.js';

// OS::Nova::Server: a server booted from an image or volumes, on networks or
// ports, with user data and metadata. A rename, metadata, a new flavor
// (resize) or image (rebuild) change it in place; other changes replace it.

async function flavorId(r: ResourceContext, nameOrId: string): Promise<string> {
  const f = await novaCall(internal.findFlavor(r.cloud, r.caller, nameOrId));
  if (!f) throw new ResourceError('NotFound', `The Flavor (${nameOrId}) could not be found.`);
  return f.id;
}

/** user_data as Nova takes it (base64): a software config's text when it names one (RAW, SOFTWARE_CONFIG). */
async function userData(r: ResourceContext, p: Props): Promise<string | undefined> {
  let text: string = p.user_data ?? '';
  if (p.user_data_format !== 'HEAT_CFNTOOLS' && isUuid(text))
    text = (await configText(r.cloud, r.stack.project_id, text)) ?? text;
  return text ? Buffer.from(text).toString('base64') : undefined;
}

async function nics(r: ResourceContext, networks: Props[] | null) {
  if (!networks?.length) return 'auto';
  return Promise.all(
    networks.map(async (n) => {
      if (n.port) return { port: await neutron.findId(r.cloud, r.caller, 'port', n.port) };
      const net = n.network ?? n.uuid;
      if (!net)
        throw new ResourceError(
          'StackValidationFailed',
          'One of the properties "network", "port" should be set for the specified network of server.',
        );
      return {
        uuid: await neutron.findId(r.cloud, r.caller, 'network', net),
        ...(n.fixed_ip ? { fixed_ip: n.fixed_ip } : {}),
      };
    }),
  );
}

function metadata(meta: Props | null): Record<string, string> {
  return Object.fromEntries(Object.entries(meta ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : pyDumps(v)]));
}

async function bdmV2(r: ResourceContext, list: Props[] | null) {
  if (!list?.length) return undefined;
  return Promise.all(
    list.map(async (d) => {
      const out: Record<string, unknown> = { boot_index: d.boot_index ?? (d.image || d.volume_id ? 0 : -1) };
      if (d.volume_id) Object.assign(out, { source_type: 'volume', uuid: d.volume_id, destination_type: 'volume' });
      else if (d.snapshot_id)
        Object.assign(out, { source_type: 'snapshot', uuid: d.snapshot_id, destination_type: 'volume' });
      else if (d.image) {
        const image = (await findImage(r.cloud, r.caller, d.image)).id;
        Object.assign(out, { source_type: 'image', uuid: image, destination_type: d.volume_size ? 'volume' : 'local' });
      } else if (d.swap_size)
        Object.assign(out, {
          source_type: 'blank',
          destination_type: 'local',
          guest_format: 'swap',
          volume_size: d.swap_size,
        });
      else if (d.ephemeral_size)
        Object.assign(out, { source_type: 'blank', destination_type: 'local', volume_size: d.ephemeral_size });
      for (const k of ['volume_size', 'device_name', 'disk_bus', 'device_type', 'delete_on_termination'])
        if (d[k] !== null && d[k] !== undefined && out[k] === undefined) out[k] = d[k];
      return out;
    }),
  );
}

export const server: ResourcePlugin = {
  type: 'OS::Nova::Server',
  className: 'Server',
  description: 'A resource for managing Nova instances.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: serverProperties,
  attributes: serverAttributes,
  hiddenProperties: ['admin_pass'],
  implicitDeps(defn, others, resolve) {
    // a server waits for the subnets of the networks it is on (Heat's Server.add_dependencies)
    const nets = ((resolve((defn.properties as Props)?.networks) as Props[] | null) ?? []).map(
      (n) => n?.network ?? n?.uuid,
    );
    return neutron.subnetsOn(nets, others, resolve);
  },
  async create(r) {
    const p = r.props;
    const body: Record<string, unknown> = {
      name: p.name ?? r.physicalName(),
      flavorRef: await flavorId(r, p.flavor),
      networks: await nics(r, p.networks),
      metadata: metadata(p.metadata),
    };
    if (p.image) body.imageRef = (await findImage(r.cloud, r.caller, p.image)).id;
    const bdms = await bdmV2(r, p.block_device_mapping_v2);
    if (bdms) body.block_device_mapping_v2 = bdms;
    if (p.key_name) body.key_name = p.key_name;
    if (p.availability_zone) body.availability_zone = p.availability_zone;
    if (p.security_groups?.length) body.security_groups = p.security_groups.map((name: string) => ({ name }));
    const ud = await userData(r, p);
    if (ud) body.user_data = ud;
    if (p.config_drive !== null) body.config_drive = p.config_drive;
    if (p.diskConfig) body['OS-DCF:diskConfig'] = p.diskConfig;
    if (p.admin_pass) body.adminPass = p.admin_pass;
    if (p.tags?.length) body.tags = p.tags;
    const created = await novaCall(internal.createServer(r.cloud, r.caller, body, p.scheduler_hints ?? undefined));
    await r.setPhysicalId(created.id);
    await waitFor(r, ['ACTIVE']);
    for (const n of (p.networks ?? []) as Props[]) {
      if (!n.floating_ip) continue;
      const ports = await neutron.serverPorts(r.cloud, r.physicalId!);
      const port = n.port ? await neutron.findId(r.cloud, r.caller, 'port', n.port) : ports[0]?.id;
      if (port) await neutron.associateFloatingIp(r.cloud, r.caller, n.floating_ip, port);
    }
  },
  needsReplace(changed, after) {
    return (
      (changed.includes('flavor') && after.flavor_update_policy === 'REPLACE') ||
      (changed.includes('image') && after.image_update_policy === 'REPLACE')
    );
  },
  async update(r, _before, changed) {
    const id = r.physicalId!;
    if (changed.includes('name'))
      await novaCall(internal.updateServer(r.cloud, r.caller, id, { name: r.props.name ?? r.physicalName() }));
    if (changed.includes('metadata'))
      await novaCall(internal.setServerMetadata(r.cloud, r.caller, id, metadata(r.props.metadata)));
    if (changed.includes('flavor')) {
      const flavorRef = await flavorId(r, r.props.flavor);
      await novaCall(internal.serverAction(r.cloud, r.caller, id, { resize: { flavorRef } }));
      await waitFor(r, ['VERIFY_RESIZE']);
      await novaCall(internal.serverAction(r.cloud, r.caller, id, { confirmResize: null }));
      await waitFor(r, ['ACTIVE']);
    }
    if (changed.includes('image')) {
      const imageRef = (await findImage(r.cloud, r.caller, r.props.image)).id;
      await novaCall(internal.serverAction(r.cloud, r.caller, id, { rebuild: { imageRef } }));
      await waitFor(r, ['ACTIVE']);
    }
  },
  async delete(r) {
    if (!r.physicalId) return;
    await novaCall(internal.deleteServer(r.cloud, r.caller, r.physicalId)).catch((e) => {
      if (!isGone(e)) throw e;
    });
    await waitGone(r);
  },
  async suspend(r) {
    await novaCall(internal.serverAction(r.cloud, r.caller, r.physicalId!, { suspend: null }));
    await waitFor(r, ['SUSPENDED']);
  },
  async resume(r) {
    await novaCall(internal.serverAction(r.cloud, r.caller, r.physicalId!, { resume: null }));
    await waitFor(r, ['ACTIVE']);
  },
  async check(r) {
    const s = await novaCall(internal.serverState(r.cloud, r.caller, r.physicalId!));
    if (s.status !== 'ACTIVE') throw new ResourceError('Error', `'status': expected '['ACTIVE']', got '${s.status}'`);
  },
  async snapshotDelete(r) {
    if (!r.physicalId) return;
    await novaCall(
      internal.serverAction(r.cloud, r.caller, r.physicalId, { createImage: { name: `${r.physicalName()}-snapshot` } }),
    );
  },
  attribute: serverAttribute,
};
