import { type ApiError, BadRequest, Forbidden, NotFound, OverQuota } from '../../server/errors.js';

// Cinder's fault names by status (cinder/api/openstack/wsgi.py Fault).
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Cinder's error body: {"itemNotFound": {"code": 404, "message": ...}}. */
export function formatError(err: ApiError) {
  const name = FAULT_NAMES[err.status] ?? 'computeFault';
  const message = err.type === 'MalformedRequestBody' ? 'Malformed request body' : err.message;
  const body: Record<string, unknown> = { code: err.status, message };
  if (err.status === 413 && err.headers['Retry-After']) body.retryAfter = err.headers['Retry-After'];
  return { body: { [name]: body } };
}

// Cinder's exception messages (cinder/exception.py), one constructor each.

export const invalidInput = (reason: string) => new BadRequest(`Invalid input received: ${reason}`);
export const invalidVolume = (reason: string) => new BadRequest(`Invalid volume: ${reason}`);
export const invalidSnapshot = (reason: string) => new BadRequest(`Invalid snapshot: ${reason}`);
export const invalidBackup = (reason: string) => new BadRequest(`Invalid backup: ${reason}`);
export const volumeNotFound = (id: string) => new NotFound(`Volume ${id} could not be found.`);
export const snapshotNotFound = (id: string) => new NotFound(`Snapshot ${id} could not be found.`);
export const backupNotFound = (id: string) => new NotFound(`Backup ${id} could not be found.`);
export const attachmentNotFound = (id: string) =>
  new NotFound(`Volume attachment could not be found with filter: attachment_id = ${id}.`);
export const volumeTypeNotFound = (id: string) => new NotFound(`Volume type ${id} could not be found.`);
export const policyForbidden = (action: string) => new Forbidden(`Policy doesn't allow ${action} to be performed.`);

/** Cinder's QuotaError family: 413 with Retry-After: 0. */
export function overQuota(message: string): OverQuota {
  const err = new OverQuota(message, 413);
  err.headers['Retry-After'] = '0';
  return err;
}
