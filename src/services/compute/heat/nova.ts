import type { Cloud } from '../../../cloud.js';
import type { AuthContext } from '../../../server/auth.js';
import { ApiError } from '../../../server/errors.js';
import { requestId } from '../../../server/ids.js';
import { issueToken } from '../../identity/tokens.js';
import { ResourceError } from '../../orchestration/engine/plugin.js';
import * as internal from '../internal.js';

// How Heat's resource types reach Nova: compute's internal.ts, as the stack's
// owner (Heat itself calls Nova with a trust-scoped token). Errors come back
// as novaclient raises them: "<message> (HTTP <code>) (Request-ID: <id>)".

const NOVACLIENT: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  413: 'OverLimit',
  429: 'RateLimit',
  501: 'HTTPNotImplemented',
};

const tokens = new WeakMap<Cloud, Map<string, { token: string; until: number }>>();

async function tokenFor(cloud: Cloud, caller: AuthContext): Promise<string> {
  let cache = tokens.get(cloud);
  if (!cache) tokens.set(cloud, (cache = new Map()));
  const key = `${caller.userId}\u0000${caller.projectId}`;
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.token;
  const { token, ctx } = await issueToken(cloud, {
    userId: caller.userId,
    scope: { projectId: caller.projectId! },
    methods: ['token'],
  });
  cache.set(key, { token, until: new Date(ctx.expiresAt).getTime() - 60_000 });
  return token;
}

export class NovaError extends ResourceError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(NOVACLIENT[status] ?? 'ClientException', message);
  }
}

/** An in-process Nova call; an API error becomes the NovaError novaclient would raise. */
export async function novaCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof ApiError)
      throw new NovaError(e.status, `${e.message} (HTTP ${e.status}) (Request-ID: ${requestId()})`);
    throw e;
  }
}

/** True for Nova's 404: the thing is gone already. */
export function isGone(e: unknown): boolean {
  return e instanceof NovaError && e.status === 404;
}

/**
 * One Nova API call over the app's router with a minted token. Only
 * OS::Cinder::VolumeAttachment (src/services/volume/heat) still uses it;
 * internal.attachVolume / detachVolume replace it.
 */
export async function nova(
  cloud: Cloud,
  caller: AuthContext,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  microversion = '2.79',
): Promise<any> {
  const res = await cloud.app.inject({
    method,
    url: `/compute/v2.1${path}`,
    headers: {
      'x-auth-token': await tokenFor(cloud, caller),
      'openstack-api-version': `compute ${microversion}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = res.body;
  const parsed = text ? JSON.parse(text) : null;
  if (res.statusCode >= 400) {
    const inner = parsed && typeof parsed === 'object' ? (Object.values(parsed)[0] as { message?: string }) : undefined;
    const message = inner?.message ?? text;
    throw new NovaError(
      res.statusCode,
      `${message} (HTTP ${res.statusCode}) (Request-ID: ${res.headers['x-openstack-request-id']})`,
    );
  }
  return parsed;
}

/** nova.flavor */
export async function flavorConstraint(value: unknown, ctx: { cloud: Cloud; caller: AuthContext }) {
  return (await novaCall(internal.findFlavor(ctx.cloud, ctx.caller, String(value))))
    ? undefined
    : `The Flavor (${value}) could not be found.`;
}

/** nova.keypair */
export async function keypairConstraint(value: unknown, ctx: { cloud: Cloud; caller: AuthContext }) {
  if (value === '' || value === null) return undefined;
  const found = await internal.getKeypair(ctx.cloud, ctx.caller, String(value)).catch(() => undefined);
  return found ? undefined : `The Key (${value}) could not be found.`;
}
