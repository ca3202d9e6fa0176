import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { registerCustomConstraint } from '../../orchestration/template/constraints.js';
import { flavor } from './flavor.js';
import { keypair } from './keypair.js';
import { flavorConstraint, keypairConstraint } from './nova.js';
import { server } from './server.js';
import { serverGroup } from './server-group.js';

// OS::Nova::* and the nova.flavor / nova.keypair constraints, for the orchestration engine.
export const computeResourceTypes: ResourcePlugin[] = [server, keypair, flavor, serverGroup];

export function registerComputeConstraints(): void {
  registerCustomConstraint('nova.flavor', flavorConstraint);
  registerCustomConstraint('nova.keypair', keypairConstraint);
}
