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

/** POST /v3/auth/tokens with a body (no caller token). */
export function authenticate(t: TestCloud, body: object) {
  return t.call({ method: 'POST', url: `${V3}/auth/tokens`, payload: body });
}

/** A token auth body: rescoping `token` to `scope`. */
export function tokenAuth(token: string, scope: object) {
  return { auth: { identity: { methods: ['token'], token: { id: token } }, scope } };
}

/** Ids of what the cloud seeds, by name. */
export async function seeded(t: TestCloud) {
  const admin = caller(() => t);
  const first = async (url: string, key: string) => (await admin('GET', url)).json()[key][0].id as string;
  return {
    admin: await first('/roles?name=admin', 'roles'),
    member: await first('/roles?name=member', 'roles'),
    reader: await first('/roles?name=reader', 'roles'),
    demo: await first('/projects?name=demo', 'projects'),
    demoUser: await first('/users?name=demo', 'users'),
    altUser: await first('/users?name=alt_demo', 'users'),
  };
}
