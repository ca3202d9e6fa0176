import { type ApiError, BadRequest, Conflict, Forbidden, NotFound, OverQuota } from '../../server/errors.js';

// Neutron's error body and the errors this service raises, worded as
// neutron-lib words them (clients and Tempest read `type`).

const WEBOB_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  406: 'HTTPNotAcceptable',
  409: 'HTTPConflict',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
  500: 'HTTPInternalServerError',
  501: 'HTTPNotImplemented',
};

// The generic types of server/errors.ts, which Neutron spells the webob way.
const GENERIC = new Set([
  'BadRequest',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'HTTPMethodNotAllowed',
  'NotAcceptable',
  'Conflict',
  'RequestEntityTooLarge',
  'UnsupportedMediaType',
  'InternalServerError',
  'NotImplemented',
]);

// neutron-lib's own BadRequest ("Bad router request: ..."), which keeps its
// type; every other generic error is webob's (HTTPBadRequest, HTTPNotFound...).
const LIB_ERRORS = new WeakSet<ApiError>();

/** {"NeutronError": {"type", "message", "detail"}} */
export function formatError(err: ApiError) {
  let type = err.type;
  let message = err.message;
  if (type === 'MalformedRequestBody') message = 'Malformed request body: Cannot understand JSON.';
  else if (GENERIC.has(type) && !LIB_ERRORS.has(err)) type = WEBOB_TYPES[err.status] ?? type;
  return { body: { NeutronError: { type, message, detail: '' } } };
}

export const notFound = {
  network: (id: string) => new NotFound(`Network ${id} could not be found.`, 'NetworkNotFound'),
  subnet: (id: string) => new NotFound(`Subnet ${id} could not be found.`, 'SubnetNotFound'),
  port: (id: string) => new NotFound(`Port ${id} could not be found.`, 'PortNotFound'),
  router: (id: string) => new NotFound(`Router ${id} could not be found.`, 'RouterNotFound'),
  segment: (id: string) => new NotFound(`Segment ${id} could not be found.`, 'SegmentNotFound'),
  floatingip: (id: string) => new NotFound(`Floating IP ${id} could not be found`, 'FloatingIPNotFound'),
  security_group: (id: string) => new NotFound(`Security group ${id} does not exist`, 'SecurityGroupNotFound'),
  security_group_rule: (id: string) =>
    new NotFound(`Security group rule ${id} does not exist`, 'SecurityGroupRuleNotFound'),
};

/** "Invalid input for operation: ..." — Neutron's answer to values its attribute validators refuse. */
export function invalidInput(message: string): BadRequest {
  return new BadRequest(`Invalid input for operation: ${message}`, 'InvalidInput');
}

/** A value one attribute's validator refuses. */
export function invalidAttr(attr: string, reason: string): BadRequest {
  return invalidInput(`Invalid input for ${attr}. Reason: ${reason}.`);
}

/** neutron-lib's BadRequest: "Bad <resource> request: <msg>." (type BadRequest). */
export function badRequest(resource: string, msg: string): BadRequest {
  const e = new BadRequest(`Bad ${resource} request: ${msg}.`, 'BadRequest');
  LIB_ERRORS.add(e);
  return e;
}

/** A policy refusal, as oslo.policy words it. */
export function policyRefused(rule: string): Forbidden {
  return new Forbidden(`${rule} is disallowed by policy`, 'PolicyNotAuthorized');
}

export function conflict(type: string, message: string): Conflict {
  return new Conflict(message, type);
}

export function overQuota(resource: string): OverQuota {
  return new OverQuota(`Quota exceeded for resources: ['${resource}'].`, 409, 'OverQuota');
}

export function ipGenerationFailure(networkId: string): Conflict {
  return new Conflict(`No more IP addresses available on network ${networkId}.`, 'IpAddressGenerationFailure');
}

export function ipAlreadyAllocated(ip: string, subnetId: string): Conflict {
  return new Conflict(`IP address ${ip} already allocated in subnet ${subnetId}`, 'IpAddressAlreadyAllocated');
}
