import { uuid } from '../../../server/ids.js';
import type { ResourcePlugin } from '../engine/plugin.js';

// OS::Heat::None: stands in for any resource (map a type to it in the
// environment to switch it off). Takes any properties, answers any attribute
// with null, and never needs replacing.
export const noneResource: ResourcePlugin = {
  type: 'OS::Heat::None',
  className: 'NoneResource',
  description:
    'Enables easily disabling certain resources via the resource_registry. It does nothing, but can effectively stub out any other resource because it will accept any properties and return any attribute (as None).',
  supportStatus: { status: 'SUPPORTED', version: '5.0.0' },
  properties: {},
  attributes: {},
  openProperties: true,
  openAttributes: true,
  async create(r) {
    await r.setPhysicalId(uuid());
  },
  async delete() {},
  async attribute() {
    return null;
  },
};
