import { ApiError } from '../../../server/errors.js';
import { ResourceError, type ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { validationFailed } from '../../orchestration/errors.js';
import * as neutron from '../internal.js';
import { constrained, findId, neutronCall } from './common.js';

// OS::Neutron::RouterInterface: a router's leg on a subnet (or a given port).
// Its physical id is Heat's "<router>:subnet_id=<subnet>" (or port_id=).

function parse(id: string): { router: string; body: { subnet_id?: string; port_id?: string } } {
  const [router, leg] = id.split(':');
  const [key, value] = (leg ?? '').split('=');
  return { router, body: key === 'port_id' ? { port_id: value } : { subnet_id: value } };
}

export const routerInterface: ResourcePlugin = {
  type: 'OS::Neutron::RouterInterface',
  className: 'RouterInterface',
  description: 'A resource for managing Neutron router interfaces.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    router: constrained('router', 'The router.', { required: true }),
    subnet: constrained('subnet', 'The subnet, either subnet or port should be specified.'),
    port: constrained('port', 'The port, either subnet or port should be specified.'),
  },
  attributes: {},
  validate(props) {
    if (props.subnet && props.port)
      throw validationFailed('Cannot define the following properties at the same time: subnet, port.');
    if (!props.subnet && !props.port)
      throw validationFailed('At least one of the following properties must be specified: subnet, port.');
  },
  async create(r) {
    const router = await findId(r.cloud, r.caller, 'router', r.props.router);
    const body = r.props.subnet
      ? { subnet_id: await findId(r.cloud, r.caller, 'subnet', r.props.subnet) }
      : { port_id: await findId(r.cloud, r.caller, 'port', r.props.port) };
    await neutronCall(() => neutron.addInterface(r.cloud, r.caller, router, body));
    const [key, value] = Object.entries(body)[0];
    await r.setPhysicalId(`${router}:${key}=${value}`);
  },
  async delete(r) {
    if (!r.physicalId) return;
    const { router, body } = parse(r.physicalId);
    await neutronCall(() => neutron.removeInterface(r.cloud, r.caller, router, body)).catch((e) => {
      if (!(e instanceof ResourceError && e.heatType.includes('NotFound'))) throw e;
    });
  },
  async check(r) {
    const { router } = parse(r.physicalId ?? '');
    await neutron.showResource(r.cloud, r.caller, 'router', router).catch((e) => {
      throw e instanceof ApiError ? new ResourceError('NotFound', e.message) : e;
    });
  },
};
