// A small OpenStack API client for pocketstack's own commands (`demo`): a
// Keystone password token and the catalog, then JSON calls to each service by
// its catalog type, errors thrown with the service's own message.

export interface ClientOptions {
  url: string;
  username: string;
  password: string;
  project: string;
  region?: string;
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region_id?: string; url: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The message inside any OpenStack error body (Nova's {"itemNotFound": {...}}, Neutron's NeutronError, Keystone's error). */
function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, { message?: string } | string>;
    for (const v of Object.values(body)) {
      if (v && typeof v === 'object' && typeof v.message === 'string') return v.message;
    }
  } catch {
    // not JSON
  }
  return text.trim() || `HTTP ${status}`;
}

export class Client {
  private token = '';
  private catalog: CatalogEntry[] = [];
  projectId = '';

  constructor(private opts: ClientOptions) {}

  async login(): Promise<void> {
    const res = await fetch(`${this.opts.url}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: this.opts.username, domain: { id: 'default' }, password: this.opts.password } },
          },
          scope: { project: { name: this.opts.project, domain: { id: 'default' } } },
        },
      }),
    });
    const text = await res.text();
    if (res.status !== 201)
      throw new ApiError(res.status, `login as ${this.opts.username}: ${errorMessage(res.status, text)}`);
    this.token = res.headers.get('x-subject-token') ?? '';
    const token = JSON.parse(text).token as { catalog: CatalogEntry[]; project: { id: string } };
    this.catalog = token.catalog;
    this.projectId = token.project.id;
  }

  endpoint(type: string): string {
    // pocketstack's own admin API is not in the catalog
    if (type === 'pocketstack') return `${this.opts.url}/pocketstack/v1`;
    const entry = this.catalog.find((c) => c.type === type);
    const ep = entry?.endpoints.find(
      (e) => e.interface === 'public' && (!this.opts.region || !e.region_id || e.region_id === this.opts.region),
    );
    if (!ep) throw new Error(`no ${type} endpoint in the catalog`);
    return ep.url.replace(/\/$/, '');
  }

  /** A raw call with the token (a stream to read, not JSON). */
  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(url, { ...init, headers: { 'x-auth-token': this.token, ...(init.headers as object) } });
  }

  /** A JSON call to the service of catalog type `type`; resolves with the parsed body (undefined when empty). */
  async call<T = any>(
    type: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(`${this.endpoint(type)}${path}`, {
      method,
      headers: {
        'x-auth-token': this.token,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400)
      throw new ApiError(res.status, `${method} ${type}${path}: ${errorMessage(res.status, text)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
