import { type ApiError, statusTitle } from '../../server/errors.js';

const MALFORMED_JSON =
  'Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

/** Keystone's error body: {"error": {"code", "title", "message"}}. */
export function formatError(err: ApiError) {
  const message = err.type === 'MalformedRequestBody' ? MALFORMED_JSON : err.message;
  return { body: { error: { code: err.status, title: statusTitle(err.status), message } } };
}
