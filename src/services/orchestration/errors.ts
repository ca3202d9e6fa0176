import { ApiError, statusTitle } from '../../server/errors.js';

// webob's explanations, which Heat's fault middleware puts beside the message.
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method is not allowed for this resource.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The request is larger than the server is willing or able to process.',
  415: 'The request media type is not supported by this server.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
  501: 'The server does not support the action requested.',
  503: 'The server is currently unavailable. Please try again at a later time.',
};

// Errors raised by the API layer itself are webob exceptions in Heat, named so.
const WEBOB_TYPES: Record<string, string> = {
  BadRequest: 'HTTPBadRequest',
  MalformedRequestBody: 'HTTPBadRequest',
  Forbidden: 'HTTPForbidden',
  NotFound: 'HTTPNotFound',
  HTTPMethodNotAllowed: 'HTTPMethodNotAllowed',
  Conflict: 'HTTPConflict',
  RequestEntityTooLarge: 'HTTPRequestEntityTooLarge',
  UnsupportedMediaType: 'HTTPUnsupportedMediaType',
  NotImplemented: 'HTTPNotImplemented',
};

/** Heat's fault body: {"code", "title", "explanation", "error": {"type", "message", "traceback"}}. */
export function formatError(err: ApiError) {
  return {
    body: {
      code: err.status,
      title: statusTitle(err.status),
      explanation: EXPLANATIONS[err.status] ?? statusTitle(err.status),
      error: { type: WEBOB_TYPES[err.type] ?? err.type, message: err.message, traceback: null },
    },
  };
}

/** A Heat engine exception by its class name; the status is what Heat's fault map gives it. */
export class HeatError extends ApiError {}

export const stackNotFound = (name: string) =>
  new HeatError(404, `The Stack (${name}) could not be found.`, 'EntityNotFound');

export const validationFailed = (message: string) => new HeatError(400, message, 'StackValidationFailed');
