import type { ApiError } from '../../server/errors.js';

// Nova's fault body: {"<name>": {"code": N, "message": "..."}}, the name
// chosen by status (nova/api/openstack/wsgi.py Fault).
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const MALFORMED = 'Malformed request body';

export function formatError(err: ApiError) {
  const name = FAULT_NAMES[err.status] ?? 'computeFault';
  const message = err.type === 'MalformedRequestBody' ? MALFORMED : err.message;
  return { body: { [name]: { code: err.status, message } } };
}
