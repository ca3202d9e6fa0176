import { randomBytes, randomUUID } from 'node:crypto';

/** A dashed UUID, the id form of Nova, Neutron, Glance, Cinder and Heat. */
export function uuid(): string {
  return randomUUID();
}

/** A 32-hex-digit id, Keystone's form. */
export function hexId(): string {
  return randomUUID().replace(/-/g, '');
}

/** A request id as OpenStack services send it in x-openstack-request-id. */
export function requestId(): string {
  return `req-${randomUUID()}`;
}

/** URL-safe random text (tokens, secrets). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
