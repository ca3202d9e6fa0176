import type { FastifyRequest } from 'fastify';
import { BadRequest, Forbidden } from '../../server/errors.js';
import type { MicroversionSpec } from '../../server/microversion.js';
import { requestBaseUrl } from '../../server/root.js';

// What every Nova route shares: the microversion range, links, policy
// refusals and query-string reading.

/** The microversions served; README.md says what changes at each. */
export const MICROVERSIONS: MicroversionSpec = {
  service: 'compute',
  legacyHeader: 'X-OpenStack-Nova-API-Version',
  min: '2.1',
  max: '2.79',
};

/** http://host:port/compute — the prefix of every link. */
export function computeBase(req: FastifyRequest): string {
  return `${requestBaseUrl(req)}/compute`;
}

/** Nova's self + bookmark links for one resource. */
export function links(req: FastifyRequest, collection: string, id: string | number) {
  const base = computeBase(req);
  return [
    { rel: 'self', href: `${base}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${base}/${collection}/${id}` },
  ];
}

/** The "next" link of a paginated list when the page is full. */
export function nextLink(
  req: FastifyRequest,
  collection: string,
  items: unknown[],
  limit: number | undefined,
  markerOf: (last: any) => string,
) {
  if (limit === undefined || items.length === 0 || items.length < limit) return undefined;
  const url = new URL(req.url, 'http://x');
  url.searchParams.set('marker', markerOf(items[items.length - 1]));
  url.searchParams.set('limit', String(limit));
  return [{ rel: 'next', href: `${computeBase(req)}/v2.1/${collection}?${url.searchParams.toString()}` }];
}

/** Nova's policy refusal. */
export function policyDenied(rule: string): Forbidden {
  return new Forbidden(`Policy doesn't allow ${rule} to be performed.`);
}

/** Admin-only API (Nova's default "rule:context_is_admin" policies). */
export function requireComputeAdmin(req: FastifyRequest, rule: string): void {
  if (!req.auth.isAdmin) throw policyDenied(rule);
}

/** A project-scoped token; Nova's APIs act on the caller's project. */
export function projectOf(req: FastifyRequest): string {
  if (!req.auth.projectId) throw policyDenied('a project-scoped token');
  return req.auth.projectId;
}

type Query = Record<string, string | string[] | undefined>;

/** The last value of a query parameter (Nova reads repeated parameters as the last one mostly). */
export function qparam(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Query)[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Every value of a repeated query parameter. */
export function qparams(req: FastifyRequest, name: string): string[] {
  const v = (req.query as Query)[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const MAX_LIMIT = 1000;

function intParam(name: string, raw: string): number {
  if (!/^\s*-?\d+\s*$/.test(raw)) throw new BadRequest(`Invalid input received: ${name} must be an integer`);
  const n = Number(raw);
  if (n < 0) throw new BadRequest(`Invalid input received: ${name} must be >= 0`);
  return n;
}

/** limit (capped at Nova's max_limit, 1000) and marker, as common.get_limit_and_marker reads them. */
export function pagination(req: FastifyRequest): { limit: number; marker?: string; offset: number } {
  const rawLimit = qparam(req, 'limit');
  const rawOffset = qparam(req, 'offset');
  const limit = rawLimit === undefined ? MAX_LIMIT : Math.min(MAX_LIMIT, intParam('limit', rawLimit));
  return {
    limit,
    marker: qparam(req, 'marker'),
    offset: rawOffset === undefined ? 0 : intParam('offset', rawOffset),
  };
}
