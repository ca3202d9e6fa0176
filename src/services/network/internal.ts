// What other services call in-process (never over HTTP). Nova: ports for
// servers, the server view's `addresses` and `security_groups`, security
// group and floating IP actions. Heat: any Neutron resource by its API body.
//
// Functions taking `ctx` act as that caller (a request's req.auth): they see
// and may touch only what the caller could through the API, and throw the
// same ApiErrors (NotFound with Neutron's type, Conflict, OverQuota...) —
// compute maps them to Nova's wording where Nova words them differently.
// Functions without `ctx` are pocketstack's own bookkeeping for a server.
//
// This file is the network service's only entry point for other services;
// the functions live beside the code they share (server-ports.ts,
// server-security-groups.ts, lookups.ts, api-resources.ts, heat/common.ts).

export {
  addInterface,
  createResource,
  deleteResource,
  listResources,
  type ResourceType,
  removeInterface,
  showResource,
  updateResource,
} from './api-resources.js';
export { autoAllocatedNetwork } from './auto-allocate.js';
export { findId, subnetsOn } from './heat/common.js';
export { associateFloatingIp, availableNetworks, findFloatingIp, findNetwork, findSecurityGroup } from './lookups.js';
export {
  bindPort,
  createServerPort,
  type PortInfo,
  releaseServerPorts,
  type ServerAddress,
  serverAddresses,
  serverPortInfos,
  serverPorts,
  unbindPort,
} from './server-ports.js';
export {
  addServerSecurityGroup,
  removeServerSecurityGroup,
  serverSecurityGroups,
} from './server-security-groups.js';
