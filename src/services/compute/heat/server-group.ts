import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { NovaError, nova } from './nova.js';

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
    const { server_group } = await nova(
      r.cloud,
      r.caller,
      'POST',
      '/os-server-groups',
      { server_group: group },
      '2.64',
    );
    await r.setPhysicalId(server_group.id);
  },
  async delete(r) {
    if (!r.physicalId) return;
    await nova(r.cloud, r.caller, 'DELETE', `/os-server-groups/${r.physicalId}`).catch((e) => {
      if (!(e instanceof NovaError && e.status === 404)) throw e;
    });
  },
  async attribute(r, name) {
    if (name !== 'show' || !r.physicalId) return undefined;
    return (
      (await nova(r.cloud, r.caller, 'GET', `/os-server-groups/${r.physicalId}`).catch(() => null))?.server_group ??
      null
    );
  },
};
