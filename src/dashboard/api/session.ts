// Keystone: log in with a password, list the projects the user may scope
// to, scope (or rescope) a token to one, revoke it at log out. The token
// lives in memory only: a reload asks for the password again, and nothing a
// cross-site page can make the browser send carries it.
import { type CatalogEntry, endpointUrl, SERVICES, type ServiceName } from './catalog.js';
import { ApiError, errorMessage } from './errors.js';

export interface Project {
  id: string;
  name: string;
  domain_id?: string;
  description?: string;
  enabled?: boolean;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: { id: string; name: string; domain: { id: string; name: string } };
  project: { id: string; name: string; domain: { id: string; name: string } };
  roles: string[];
  catalog: CatalogEntry[];
  endpoints: Partial<Record<ServiceName, string>>;
  /** The projects the user may switch to. */
  projects: Project[];
}

export const isAdmin = (s: Session) => s.roles.includes('admin');

const identity = () => `${location.origin}/identity/v3`;

async function keystone(path: string, init: RequestInit): Promise<Response> {
  const res = await fetch(identity() + path, {
    ...init,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...init.headers },
  });
  if (!res.ok) {
    const text = await res.text();
    throw new ApiError(
      errorMessage(res.status, res.headers.get('content-type') ?? '', text),
      res.status,
      res.headers.get('x-openstack-request-id') ?? undefined,
    );
  }
  return res;
}

interface TokenBody {
  token: {
    expires_at: string;
    user: Session['user'];
    project?: Session['project'];
    roles?: { name: string }[];
    catalog?: CatalogEntry[];
  };
}

async function issue(auth: unknown): Promise<{ id: string; body: TokenBody }> {
  const res = await keystone('/auth/tokens', { method: 'POST', body: JSON.stringify({ auth }) });
  return { id: res.headers.get('x-subject-token') ?? '', body: (await res.json()) as TokenBody };
}

export async function projectsOf(token: string): Promise<Project[]> {
  const res = await keystone('/auth/projects', { headers: { 'X-Auth-Token': token } });
  const { projects } = (await res.json()) as { projects: Project[] };
  return projects.filter((p) => p.enabled !== false).sort((a, b) => a.name.localeCompare(b.name));
}

/** A project-scoped session from any valid token (Keystone's token method: rescoping). */
export async function scope(token: string, projectId: string, projects?: Project[]): Promise<Session> {
  const { id, body } = await issue({
    identity: { methods: ['token'], token: { id: token } },
    scope: { project: { id: projectId } },
  });
  const t = body.token;
  if (!t.project) throw new ApiError('Keystone answered without a project scope.', 500);
  const catalog = t.catalog ?? [];
  const endpoints: Session['endpoints'] = {};
  for (const name of Object.keys(SERVICES) as ServiceName[])
    endpoints[name] = endpointUrl(catalog, name, location.origin);
  return {
    token: id,
    expiresAt: t.expires_at,
    user: t.user,
    project: t.project,
    roles: (t.roles ?? []).map((r) => r.name),
    catalog,
    endpoints,
    projects: projects ?? (await projectsOf(id)),
  };
}

const LAST_PROJECT = 'pocketstack.lastProject';

/** Password log in, scoped to the project used last time in this browser, or the first one. */
export async function login(domain: string, username: string, password: string): Promise<Session> {
  const { id, body } = await issue({
    identity: { methods: ['password'], password: { user: { name: username, domain: { name: domain }, password } } },
  });
  const projects = await projectsOf(id);
  if (projects.length === 0)
    throw new ApiError(`User ${username} has a role on no project: there is nothing to show.`, 403);
  const last = localStorage.getItem(`${LAST_PROJECT}.${body.token.user.id}`);
  const chosen = projects.find((p) => p.id === last) ?? projects.find((p) => p.name === username) ?? projects[0];
  const session = await scope(id, chosen.id, projects);
  void revoke(id);
  return session;
}

export function rememberProject(s: Session) {
  localStorage.setItem(`${LAST_PROJECT}.${s.user.id}`, s.project.id);
}

/** Revokes a token; a token that is already gone is fine. */
export async function revoke(token: string): Promise<void> {
  await keystone('/auth/tokens', {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
  }).catch(() => undefined);
}
