// Another client of the same cloud, for changes made behind the dashboard's
// back (the dashboard must notice them by itself): a project-scoped token
// from Keystone and JSON calls on DevStack's paths.

export type Api = <T = Record<string, any>>(method: string, path: string, body?: unknown) => Promise<T>;

export async function apiClient(url: string, user: string, project = user): Promise<Api> {
  const domain = { id: 'default' };
  const auth = await fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain, password: 'secret' } } },
        scope: { project: { name: project, domain } },
      },
    }),
  });
  if (auth.status !== 201) throw new Error(`log-in of ${user}: ${auth.status} ${await auth.text()}`);
  const token = auth.headers.get('x-subject-token')!;
  return async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as never;
  };
}
