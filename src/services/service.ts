import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Migration } from 'kysely';
import type { Cloud } from '../cloud.js';
import type { ApiError, ErrorFormat } from '../server/errors.js';

/** A catalog entry a service puts in Keystone's catalog while it answers. */
export interface CatalogEntry {
  type: string;
  name: string;
  /** The endpoint URL under the listener's base URL, e.g. "/volume/v3/$(project_id)s". */
  path: string;
}

/**
 * One OpenStack service mounted under its DevStack path. Everything a service
 * is lives in its folder; the server only mounts what this describes.
 */
export interface Service {
  name: string;
  /** Mount point, e.g. "/identity". */
  path: string;
  /** Catalog entries; empty until the service really answers. */
  catalog: CatalogEntry[];
  /** Numbered migrations, named "<service>/NNNN_what". */
  migrations: Record<string, Migration>;
  /** HEAD answers like GET on every GET route (Keystone's Flask does; the others answer 404/405). */
  headLikeGet?: boolean;
  /** The largest request body its routes parse, in bytes (default JSON_BODY_LIMIT, 1 MiB). */
  bodyLimit?: number;
  /**
   * A sizelimit middleware runs in front of the token check (Nova's and Cinder's
   * oslo.middleware, Keystone's own): a Content-Length over bodyLimit is refused
   * before anything else, a missing or bad token included.
   */
  sizeLimitFirst?: boolean;
  /** The error for a body over bodyLimit, when the service words it its own way (default: 413 "Request is too large."). */
  tooLarge?(limit: number, req: FastifyRequest): ApiError;
  /** Renders errors in this service's body format. */
  formatError: ErrorFormat;
  /** Routes, registered in a scope prefixed with `path`, behind the shared auth hook. */
  register(app: FastifyInstance, cloud: Cloud): Promise<void>;
  /** Seeds first-start state and resumes work; runs on every start, must be idempotent. */
  bootstrap?(cloud: Cloud): Promise<void>;
  /** Runs when the cloud closes, after the task runner stopped (stop watchdogs; leave the host as it is). */
  close?(cloud: Cloud): Promise<void>;
  /** Runs once the listener is up and cloud.baseUrl is final (e.g. to point the catalog at it). */
  onListen?(cloud: Cloud): Promise<void>;
}
