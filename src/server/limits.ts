import { type ApiError, PayloadTooLarge } from './errors.js';
import { webobError } from './webob.js';

// How large a request body a service parses. The real services differ:
// Keystone, Nova and Cinder run a sizelimit middleware (112 KiB), Heat
// refuses JSON past max_json_body_size (1 MiB); the others have no limit of
// their own and get Heat's. Image data is streamed to disk, never parsed.

/** oslo.middleware's default max_request_body_size; Keystone's own is the same. */
export const OSLO_BODY_LIMIT = 114_688;

/** Heat's max_json_body_size: the limit of a service that sets none. */
export const JSON_BODY_LIMIT = 1_048_576;

/**
 * oslo.middleware's sizelimit answer. Nova and Cinder run it in front of their
 * APIs (and of keystonemiddleware), so the body is webob's page, not the
 * service's fault: {"message": ..., "code": "413 Request Entity Too Large", "title": ...}
 * for application/json.
 */
export function osloTooLarge(limit: number): ApiError {
  const err = new PayloadTooLarge(`Request is too large. Larger than max_request_body_size (${limit}).`);
  err.format = webobError;
  return err;
}
