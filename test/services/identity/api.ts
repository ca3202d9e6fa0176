import type { TestCloud } from '../../helpers.js';

export const V3 = '/identity/v3';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls /identity/v3<url> as `as` (default the cloud admin) on the cloud `cloud()` returns (set up in beforeAll). */
export function caller(cloud: () => TestCloud, as = 'admin') {
  return (method: Method, url: string, payload?: object | string) =>
    cloud().call({ method, url: V3 + url, ...(payload === undefined ? {} : { payload }), as });
}

/** A password auth body for a user id, optionally scoped to a project id. */
export function passwordAuth(userId: string, password: string, projectId?: string) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { id: userId, password } } },
      ...(projectId ? { scope: { project: { id: projectId } } } : {}),
    },
  };
}
