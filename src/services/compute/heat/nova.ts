import type { Cloud } from '../../../cloud.js';
import type { AuthContext } from '../../../server/auth.js';
import { ApiError } from '../../../server/errors.js';
import { requestId } from '../../../server/ids.js';
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
