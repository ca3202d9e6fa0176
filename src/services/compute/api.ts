import type { FastifyRequest } from 'fastify';
import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest, Forbidden } from '../../server/errors.js';
import type { MicroversionSpec } from '../../server/microversion.js';
import { isMember } from '../../server/policy.js';
import { requestBaseUrl } from '../../server/root.js';

// What every Nova route shares: the microversion range, links, policy
// refusals and query-string reading.

/** The microversions served; README.md says what changes at each. */
export const MICROVERSIONS: MicroversionSpec = {
  service: 'compute',
  legacyHeader: 'X-OpenStack-Nova-API-Version',
  min: '2.1',
  max: '2.93',
};

/**
 * What Nova's handlers read of a request. An HTTP request is one; internal.ts
 * makes them for in-process callers (Heat), so both take the same
 * validation, policy and views.
 */
export type NovaRequest = Pick<
  FastifyRequest,
  'auth' | 'microversion' | 'params' | 'body' | 'query' | 'url' | 'headers' | 'protocol' | 'id' | 'requestId'
>;

/** What Nova's handlers do to a reply: a status, headers, a body. */
export interface NovaReply {
  code(status: number): NovaReply;
  header(name: string, value: string): NovaReply;
  send(payload?: unknown): NovaReply;
}

/** One Nova API operation, callable from a route or from internal.ts; resolves to the body (or sends it on the reply). */
export type NovaHandler = (cloud: Cloud, req: NovaRequest, reply: NovaReply) => Promise<unknown>;

/** http://host:port/compute — the prefix of every link. */
export function computeBase(req: NovaRequest): string {
  return `${requestBaseUrl(req)}/compute`;
}

/** Nova's self + bookmark links for one resource. */
export function links(req: NovaRequest, collection: string, id: string | number) {
  const base = computeBase(req);
  return [
    { rel: 'self', href: `${base}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${base}/${collection}/${id}` },
  ];
}

/** The "next" link of a paginated list when the page is full. */
export function nextLink(
  req: NovaRequest,
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

/**
 * Nova's default policies for every request: readers read, members change
 * (key pairs are the user's own, so a reader keeps theirs). `url` is the
 * request's, /compute/v2.1/<resource>/...
 */
export function checkMemberWrites(auth: AuthContext, method: string, url: string): void {
  if (['GET', 'HEAD'].includes(method) || isMember(auth) || url.startsWith('/compute/v2.1/os-keypairs')) return;
  const resource = url.split('?')[0].split('/')[3] ?? '';
  throw policyDenied(`os_compute_api:${resource}:${method === 'DELETE' ? 'delete' : 'create'}`);
}

/** Admin-only API (Nova's default "rule:context_is_admin" policies). */
export function requireComputeAdmin(req: NovaRequest, rule: string): void {
  if (!req.auth.isAdmin) throw policyDenied(rule);
}

/** A project-scoped token; Nova's APIs act on the caller's project. */
export function projectOf(req: NovaRequest): string {
  if (!req.auth.projectId) throw policyDenied('a project-scoped token');
  return req.auth.projectId;
}

type Query = Record<string, string | string[] | undefined>;

/** The last value of a query parameter (Nova reads repeated parameters as the last one mostly). */
export function qparam(req: NovaRequest, name: string): string | undefined {
  const v = (req.query as Query)[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Every value of a repeated query parameter. */
export function qparams(req: NovaRequest, name: string): string[] {
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
export function pagination(req: NovaRequest): { limit: number; marker?: string; offset: number } {
  const rawLimit = qparam(req, 'limit');
  const rawOffset = qparam(req, 'offset');
  const limit = rawLimit === undefined ? MAX_LIMIT : Math.min(MAX_LIMIT, intParam('limit', rawLimit));
  return {
    limit,
    marker: qparam(req, 'marker'),
    offset: rawOffset === undefined ? 0 : intParam('offset', rawOffset),
  };
}
