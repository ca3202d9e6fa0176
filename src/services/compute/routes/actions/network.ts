import { BadRequest, NotFound } from '../../../../server/errors.js';
import { addFloatingIp, addSecurityGroup, removeFloatingIp, removeSecurityGroup } from '../../neutron.js';
import { type Schema, strictObject, types, validateBody, wrapped } from '../../validation.js';
import type { ActionHandler } from './operation.js';

// Actions that change a server's ports in the network service: security
// groups and (before 2.44) floating IPs (Nova's security_groups.py,
// floating_ips.py action controllers).

const nameOnly = (action: string): Schema => wrapped(action, strictObject({ name: types.name }, ['name']));

export const NETWORK_ACTIONS: Record<string, ActionHandler> = {
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
};
