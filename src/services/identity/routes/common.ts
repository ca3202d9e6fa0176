import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';

// What every Keystone route shares: absolute links, list envelopes, request
// bodies under their member key, and Keystone's reading of query parameters.

export type Query = Record<string, string | undefined>;

/** An absolute URL under /identity/v3, as Keystone puts in links. */
export function v3Url(req: FastifyRequest, path: string): string {
  return `${requestBaseUrl(req)}/identity/v3${path}`;
}

export function selfLink(req: FastifyRequest, path: string): { self: string } {
  return { self: v3Url(req, path) };
}

/** The links of a list response: self is the URL as called, query included. */
export function listLinks(req: FastifyRequest) {
  return { self: `${requestBaseUrl(req)}${req.url}`, previous: null, next: null };
}

/** `{"<key>": [...], "links": {...}}` */
export function listBody<T>(req: FastifyRequest, key: string, items: T[]) {
  return { [key]: items, links: listLinks(req) };
}

/** The object under `key` in the JSON body ({"user": {...}}); Keystone validates `{}` when it is absent. */
export function member(req: FastifyRequest, key: string): Record<string, unknown> {
  const body = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest(`Expecting to find ${key} in request body.`);
  const value = (body as Record<string, unknown>)[key];
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new BadRequest(`Invalid input for field '${key}': ${JSON.stringify(value)} is not of type 'object'`);
  return value as Record<string, unknown>;
}

export function query(req: FastifyRequest): Query {
  return (req.query ?? {}) as Query;
}

/**
 * Keystone's flag parameters (?effective, ?include_names=1): present means
 * true, unless its value is "0" (keystone.server.flask.ResourceBase.query_filter_is_true).
 */
export function flag(q: Query, name: string): boolean {
  const v = q[name];
  return v !== undefined && v !== '0';
}

/** The `enabled` filter's reading of a value: 0, false, f, no, n, off are false, anything else true. */
export function truthy(value: string): boolean {
  return !['0', 'false', 'f', 'no', 'n', 'off'].includes(value.toLowerCase());
}

/**
 * Keystone's filters on names: exact (?name=x) and its inexact forms
 * (?name__contains=, __icontains, __startswith, __istartswith, __endswith,
 * __iendswith). Returns a predicate over the attribute's value.
 */
export function textFilter(q: Query, attr: string): ((v: string | null | undefined) => boolean) | undefined {
  const tests: ((v: string) => boolean)[] = [];
  for (const [key, want] of Object.entries(q)) {
    if (want === undefined) continue;
    if (key === attr) tests.push((v) => v === want);
    const m = new RegExp(`^${attr}__(i?)(contains|startswith|endswith)$`).exec(key);
    if (!m) continue;
    const fold = m[1] === 'i' ? (s: string) => s.toLowerCase() : (s: string) => s;
    const w = fold(want);
    if (m[2] === 'contains') tests.push((v) => fold(v).includes(w));
    if (m[2] === 'startswith') tests.push((v) => fold(v).startsWith(w));
    if (m[2] === 'endswith') tests.push((v) => fold(v).endsWith(w));
  }
  if (tests.length === 0) return undefined;
  return (v) => typeof v === 'string' && tests.every((t) => t(v));
}

/** 201 with the created entity. */
export function created<T>(reply: FastifyReply, body: T): T {
  reply.code(201);
  return body;
}

/** 204 without a body. */
export function noContent(reply: FastifyReply) {
  return reply.code(204).send();
}

/** Parameters of the route, typed as strings. */
export function params(req: FastifyRequest): Record<string, string> {
  return req.params as Record<string, string>;
}
