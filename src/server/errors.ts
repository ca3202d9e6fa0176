import type { FastifyRequest } from 'fastify';

// One error hierarchy for every service. Code anywhere throws these; each
// service's errors.ts renders them in that service's own body format, and
// server/app.ts maps them once per service mount.

export class ApiError extends Error {
  readonly status: number;
  /** Neutron-style error type ("NetworkNotFound"); services that have no such notion ignore it. */
  readonly type: string;
  /** Extra headers the response must carry (e.g. WWW-Authenticate). */
  headers: Record<string, string> = {};
  /** Rendered so rather than in the service's own body: a middleware in front of the service answered. */
  format?: ErrorFormat;

  constructor(status: number, message: string, type?: string) {
    super(message);
    this.status = status;
    this.type = type ?? defaultType(status);
  }
}

export class BadRequest extends ApiError {
  constructor(message: string, type?: string) {
    super(400, message, type ?? 'BadRequest');
  }
}

export class Unauthorized extends ApiError {
  constructor(message = 'The request you have made requires authentication.', type?: string) {
    super(401, message, type ?? 'Unauthorized');
  }
}

export class Forbidden extends ApiError {
  constructor(message = 'You are not authorized to perform the requested action.', type?: string) {
    super(403, message, type ?? 'Forbidden');
  }
}

export class NotFound extends ApiError {
  constructor(message: string, type?: string) {
    super(404, message, type ?? 'NotFound');
  }
}

export class MethodNotAllowed extends ApiError {
  constructor(message = 'The method is not allowed for this resource.', type?: string) {
    super(405, message, type ?? 'HTTPMethodNotAllowed');
  }
}

export class NotAcceptable extends ApiError {
  constructor(message: string, type?: string) {
    super(406, message, type ?? 'NotAcceptable');
  }
}

export class Conflict extends ApiError {
  constructor(message: string, type?: string) {
    super(409, message, type ?? 'Conflict');
  }
}

export class PayloadTooLarge extends ApiError {
  constructor(message: string, type?: string) {
    super(413, message, type ?? 'RequestEntityTooLarge');
  }
}

export class UnsupportedMediaType extends ApiError {
  constructor(message: string, type?: string) {
    super(415, message, type ?? 'UnsupportedMediaType');
  }
}

/** Over a quota. The status differs by service (Nova 403, Neutron 409, Cinder 413), so the caller passes it. */
export class OverQuota extends ApiError {
  constructor(message: string, status = 413, type = 'OverQuota') {
    super(status, message, type);
  }
}

export class NotImplemented extends ApiError {
  constructor(message: string, type?: string) {
    super(501, message, type ?? 'NotImplemented');
  }
}

export class ServiceUnavailable extends ApiError {
  constructor(message: string, type?: string) {
    super(503, message, type ?? 'ServiceUnavailable');
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** The HTTP reason phrase, as services put it in their error titles. */
export function statusTitle(status: number): string {
  return titles[status] ?? 'Error';
}

function defaultType(status: number): string {
  return statusTitle(status).replace(/ /g, '');
}

/**
 * The error rendering of one service: status, body and content type. The
 * request is there for services whose error body follows the Accept header (Glance).
 */
export type ErrorFormat = (err: ApiError, req?: FastifyRequest) => { body: unknown; contentType?: string };

/**
 * Turns anything thrown (ours, Fastify's validation and parse errors, bugs)
 * into an ApiError. Bugs become 500s whose message names the request id.
 */
export function toApiError(err: unknown, requestId: string): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return new UnsupportedMediaType(e.message ?? 'Unsupported media type');
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new PayloadTooLarge('Request is too large.');
    const err400 = new ApiError(e.statusCode, e.message ?? statusTitle(e.statusCode));
    return err400;
  }
  return new ApiError(
    500,
    `An unexpected error prevented the server from fulfilling your request. (request id ${requestId})`,
    'InternalServerError',
  );
}
