import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import * as internal from '../internal.js';
import { isGone, novaCall } from './nova.js';

// OS::Nova::ServerGroup: a server group with its placement policy.
export const serverGroup: ResourcePlugin = {
  type: 'OS::Nova::ServerGroup',
  className: 'ServerGroup',
  description: 'A resource for managing a Nova server group.',
  supportStatus: { status: 'SUPPORTED', version: '2014.2' },
  properties: {
    name: { type: 'string', description: 'Server Group name.' },
    policies: {
      type: 'list',
      description: 'A list of string policies to apply. Defaults to anti-affinity.',
      default: ['anti-affinity'],
      constraints: [
        { kind: 'allowed_values', values: ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'] },
      ],
    },
    rules: { type: 'map', description: 'A dict of rules to apply (max_server_per_host with anti-affinity).' },
  },
  attributes: {},
  async create(r) {
    const group: Record<string, unknown> = { name: r.props.name ?? r.physicalName(), policy: r.props.policies[0] };
    if (r.props.rules) group.rules = r.props.rules;
    const created = await novaCall(internal.createServerGroup(r.cloud, r.caller, group, '2.64'));
    await r.setPhysicalId(created.id as string);
  },
  async delete(r) {
    if (!r.physicalId) return;
    await novaCall(internal.deleteServerGroup(r.cloud, r.caller, r.physicalId)).catch((e) => {
      if (!isGone(e)) throw e;
    });
  },
  async attribute(r, name) {
    if (name !== 'show' || !r.physicalId) return undefined;
    return (await internal.getServerGroup(r.cloud, r.caller, r.physicalId).catch(() => null)) ?? null;
  },
};
