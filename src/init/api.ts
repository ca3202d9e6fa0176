import type { Cloud } from '../cloud.js';

/**
 * The public API as a client sees it, called in-process (Fastify inject):
 * what init hooks and snapshots use instead of reaching into the services.
 * Policy, validation and the services' own errors apply as for any client.
 */
export interface ApiClient {
  projectId: string;
  call<T = any>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
}

export class ApiCallFailed extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${url}: ${status} ${body.slice(0, 500)}`);
  }
}

/** A client with a token of `user` scoped to `project` (passwords are the seeded users' own). */
export async function apiClient(cloud: Cloud, user: string, password: string, project: string): Promise<ApiClient> {
  const res = await cloud.app.inject({
    method: 'POST',
    url: '/identity/v3/auth/tokens',
    payload: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    },
  });
  if (res.statusCode !== 201) throw new ApiCallFailed('POST', '/identity/v3/auth/tokens', res.statusCode, res.body);
  const token = res.headers['x-subject-token'] as string;
  const projectId = (res.json() as { token: { project: { id: string } } }).token.project.id;
  return {
    projectId,
    async call(method, url, body, headers = {}) {
      const raw = Buffer.isBuffer(body);
      const r = await cloud.app.inject({
        method: method as 'GET',
        url,
        headers: {
          'x-auth-token': token,
          ...(raw ? { 'content-type': 'application/octet-stream' } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: raw ? body : (body as object) }),
      });
      if (r.statusCode >= 400) throw new ApiCallFailed(method, url, r.statusCode, r.body);
      return (r.body === '' ? undefined : r.json()) as any;
    },
  };
}
