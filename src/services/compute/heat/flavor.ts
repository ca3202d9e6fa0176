import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import * as internal from '../internal.js';
import { isGone, novaCall } from './nova.js';

// OS::Nova::Flavor: a flavor (admins only, as in Nova), with extra specs and
// the projects a private one is shared with.
export const flavor: ResourcePlugin = {
  type: 'OS::Nova::Flavor',
  className: 'NovaFlavor',
  description: 'A resource for creating OpenStack virtual hardware templates.',
  supportStatus: { status: 'SUPPORTED', version: '2014.2' },
  properties: {
    name: { type: 'string', description: 'Name for the flavor.' },
    flavorid: {
      type: 'string',
      description: 'Unique ID of the flavor. If not specified, an UUID will be auto generated and used.',
    },
    ram: { type: 'integer', description: 'Memory in MB for the flavor.', required: true },
    vcpus: { type: 'integer', description: 'Number of VCPUs for the flavor.', required: true },
    disk: { type: 'integer', description: 'Size of local disk in GB.', default: 0 },
    swap: { type: 'integer', description: 'Swap space in MB.', default: 0 },
    rxtx_factor: { type: 'number', description: 'RX/TX factor.', default: 1 },
    ephemeral: { type: 'integer', description: 'Size of a secondary ephemeral data disk in GB.', default: 0 },
    extra_specs: {
      type: 'map',
      description: 'Key/Value pairs to extend the capabilities of the flavor.',
      updateAllowed: true,
    },
    tenants: { type: 'list', description: 'List of tenants.', default: [], updateAllowed: true },
    is_public: { type: 'boolean', description: 'Scope of flavor accessibility. Public or private.', default: true },
    description: { type: 'string', description: 'Description of the flavor.', updateAllowed: true },
  },
  attributes: {
    is_public: { description: 'Whether the flavor is shared across all projects.', type: 'boolean' },
    extra_specs: { description: 'Extra specs of the flavor in key-value pairs.', type: 'map' },
  },
  async create(r) {
    const p = r.props;
    const body: Record<string, unknown> = {
      name: p.name ?? r.physicalName(),
      ram: p.ram,
      vcpus: p.vcpus,
      disk: p.disk,
      swap: p.swap,
      rxtx_factor: p.rxtx_factor,
      'OS-FLV-EXT-DATA:ephemeral': p.ephemeral,
      'os-flavor-access:is_public': p.is_public,
    };
    if (p.flavorid) body.id = p.flavorid;
    if (p.description) body.description = p.description;
    const f = await novaCall(internal.createFlavor(r.cloud, r.caller, body));
    await r.setPhysicalId(f.id);
    await applyExtras(r, {});
  },
  async update(r, before) {
    await applyExtras(r, before);
    if (r.props.description !== before.description)
      await novaCall(internal.updateFlavor(r.cloud, r.caller, r.physicalId!, r.props.description));
  },
  async delete(r) {
    if (!r.physicalId) return;
    await novaCall(internal.deleteFlavor(r.cloud, r.caller, r.physicalId)).catch((e) => {
      if (!isGone(e)) throw e;
    });
  },
  async attribute(r, name) {
    if (!r.physicalId) return null;
    const f = await internal.getFlavor(r.cloud, r.caller, r.physicalId).catch(() => null);
    if (!f) return null;
    if (name === 'show') return f;
    if (name === 'is_public') return f['os-flavor-access:is_public'];
    if (name === 'extra_specs') return novaCall(internal.flavorExtraSpecs(r.cloud, r.caller, r.physicalId));
    return undefined;
  },
};

async function applyExtras(r: Parameters<ResourcePlugin['create']>[0], before: Record<string, any>) {
  const id = r.physicalId!;
  const specs = (r.props.extra_specs ?? {}) as Record<string, string>;
  for (const k of Object.keys(before.extra_specs ?? {}))
    if (!(k in specs)) await novaCall(internal.deleteFlavorExtraSpec(r.cloud, r.caller, id, k));
  if (Object.keys(specs).length)
    await novaCall(
      internal.setFlavorExtraSpecs(
        r.cloud,
        r.caller,
        id,
        Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, String(v)])),
      ),
    );
  const was = new Set<string>(before.tenants ?? []);
  const now = new Set<string>(r.props.tenants ?? []);
  for (const t of now)
    if (!was.has(t)) await novaCall(internal.flavorAccess(r.cloud, r.caller, id, 'addTenantAccess', t));
  for (const t of was)
    if (!now.has(t)) await novaCall(internal.flavorAccess(r.cloud, r.caller, id, 'removeTenantAccess', t));
}
