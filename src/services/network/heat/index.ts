import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { registerCustomConstraint } from '../../orchestration/template/constraints.js';
import { neutronConstraint } from './common.js';
import { floatingIp, floatingIpAssociation } from './floating-ip.js';
import { net } from './net.js';
import { port } from './port.js';
import { router } from './router.js';
import { routerInterface } from './router-interface.js';
import { securityGroup, securityGroupRule } from './security-group.js';
import { subnet } from './subnet.js';

// The OS::Neutron::* resource types and the neutron.* custom constraints,
// for the orchestration engine (registered by orchestration/resources/index.ts).

export const networkResourceTypes: ResourcePlugin[] = [
  net,
  subnet,
  port,
  router,
  routerInterface,
  floatingIp,
  floatingIpAssociation,
  securityGroup,
  securityGroupRule,
];

export function registerNetworkConstraints(): void {
  registerCustomConstraint('neutron.network', neutronConstraint('network'));
  registerCustomConstraint('neutron.subnet', neutronConstraint('subnet'));
  registerCustomConstraint('neutron.port', neutronConstraint('port'));
  registerCustomConstraint('neutron.router', neutronConstraint('router'));
  registerCustomConstraint('neutron.security_group', neutronConstraint('security_group'));
}
