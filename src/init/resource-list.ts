import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type { ApiClient } from './api.js';

// A YAML resource list: the fixtures a CI job wants, one entry per resource,
// each the body the OpenStack API takes for it, with references by name. It
// is created through the public API (policy and validation as for a client),
// in order, in the project the list names (default: admin).
//
//   project: demo
//   resources:
//     - network: {name: private}
//     - subnet: {name: private-subnet, network: private, cidr: 10.0.0.0/24}
//     - router: {name: router1, external_gateway: public, interfaces: [private-subnet]}

type Body = Record<string, any>;

/** A file an entry names, relative to the list's directory. */
function fromDir(dir: string, file: unknown): string {
  if (typeof file !== 'string' || file === '') throw new Error('a file is named by a non-empty string');
  const path = resolvePath(dir, file);
  if (!existsSync(path)) throw new Error(`no file ${file} (in ${dir})`);
  return path;
}

interface Kind {
  /** Creates the resource from the entry's body (references already in it by name); returns its id. */
  create(api: ApiClient, body: Body, ctx: { dir: string }): Promise<string>;
}

/** Looks a resource up by name (or id) as the lookups of the openstack CLI do; prefers the project's own. */
async function find(api: ApiClient, kind: string, value: string): Promise<string> {
  const q = encodeURIComponent(value);
  const lookups: Record<string, () => Promise<Body[]>> = {
    network: async () => (await api.call('GET', `/networking/v2.0/networks?name=${q}`)).networks,
    subnet: async () => (await api.call('GET', `/networking/v2.0/subnets?name=${q}`)).subnets,
    security_group: async () => (await api.call('GET', `/networking/v2.0/security-groups?name=${q}`)).security_groups,
    project: async () => (await api.call('GET', `/identity/v3/projects?name=${q}`)).projects,
    user: async () => (await api.call('GET', `/identity/v3/users?name=${q}`)).users,
    role: async () => (await api.call('GET', `/identity/v3/roles?name=${q}`)).roles,
    image: async () => (await api.call('GET', `/image/v2/images?name=${q}`)).images,
    flavor: async () =>
      ((await api.call('GET', '/compute/v2.1/flavors/detail?is_public=None')).flavors as Body[]).filter(
        (f) => f.name === value || f.id === value,
      ),
  };
  const found = await lookups[kind]();
  const own = found.filter((r) => (r.project_id ?? r.tenant_id ?? r.owner) === api.projectId);
  const pick = own.length > 0 ? own : found;
  if (pick.length === 1) return pick[0].id;
  if (pick.length > 1) throw new Error(`more than one ${kind} is named ${value}: use its id`);
  if (/^[0-9a-f-]{32,36}$/i.test(value)) return value;
  throw new Error(`no ${kind} named ${value}`);
}

/** Replaces the named fields of `body` (names) by `target` fields (ids). */
async function refs(api: ApiClient, body: Body, map: Record<string, [kind: string, target: string]>): Promise<Body> {
  const out: Body = { ...body };
  for (const [field, [kind, target]] of Object.entries(map)) {
    if (out[field] === undefined) continue;
    const value = String(out[field]);
    delete out[field];
    out[target] = await find(api, kind, value);
  }
  return out;
}

const simple =
  (path: (api: ApiClient) => string, wrap: string, map: Record<string, [string, string]> = {}): Kind['create'] =>
  async (api, body) =>
    (await api.call('POST', path(api), { [wrap]: await refs(api, body, map) }))[wrap].id;

const KINDS: Record<string, Kind> = {
  project: { create: simple(() => '/identity/v3/projects', 'project') },
  user: {
    // `project` and `role` (default member) give the user a role there, as `openstack user create --project` does
    async create(api, { project, role, ...body }) {
      const user = await api.call('POST', '/identity/v3/users', {
        user: project ? { ...body, default_project_id: await find(api, 'project', project) } : body,
      });
      if (project) {
        const p = await find(api, 'project', project);
        const r = await find(api, 'role', role ?? 'member');
        await api.call('PUT', `/identity/v3/projects/${p}/users/${user.user.id}/roles/${r}`);
      }
      return user.user.id;
    },
  },
  network: { create: simple(() => '/networking/v2.0/networks', 'network') },
  subnet: {
    create: (api, body) =>
      simple(() => '/networking/v2.0/subnets', 'subnet', { network: ['network', 'network_id'] })(
        api,
        { ip_version: 4, ...body },
        { dir: '' },
      ),
  },
  router: {
    // `external_gateway` (a network) and `interfaces` (subnets) as `openstack router set/add subnet` take them
    async create(api, { external_gateway, interfaces, ...body }) {
      if (external_gateway) body.external_gateway_info = { network_id: await find(api, 'network', external_gateway) };
      const id = (await api.call('POST', '/networking/v2.0/routers', { router: body })).router.id;
      for (const subnet of interfaces ?? [])
        await api.call('PUT', `/networking/v2.0/routers/${id}/add_router_interface`, {
          subnet_id: await find(api, 'subnet', subnet),
        });
      return id;
    },
  },
  security_group: { create: simple(() => '/networking/v2.0/security-groups', 'security_group') },
  security_group_rule: {
    create: (api, body) =>
      simple(() => '/networking/v2.0/security-group-rules', 'security_group_rule', {
        security_group: ['security_group', 'security_group_id'],
      })(api, { direction: 'ingress', ethertype: 'IPv4', ...body }, { dir: '' }),
  },
  keypair: {
    // `public_key_file`: the public key from a file, as `openstack keypair create --public-key FILE`
    create: async (api, { public_key_file, ...body }, { dir }) => {
      if (public_key_file !== undefined) body.public_key = readFileSync(fromDir(dir, public_key_file), 'utf8').trim();
      return (await api.call('POST', '/compute/v2.1/os-keypairs', { keypair: body })).keypair.name;
    },
  },
  flavor: { create: simple(() => '/compute/v2.1/flavors', 'flavor') },
  // `image` (a name), as `openstack volume create --image`
  volume: {
    create: simple((api) => `/volume/v3/${api.projectId}/volumes`, 'volume', { image: ['image', 'imageRef'] }),
  },
  image: {
    // `file`: the image's data, relative to the list's directory
    async create(api, { file, ...body }, { dir }) {
      const image = await api.call('POST', '/image/v2/images', {
        container_format: 'bare',
        disk_format: 'raw',
        ...body,
      });
      if (file) await api.call('PUT', `/image/v2/images/${image.id}/file`, readFileSync(fromDir(dir, file)));
      return image.id;
    },
  },
  server: {
    // `image`, `flavor`, `networks` and `security_groups` (names) as `openstack server create` takes them;
    // `user_data_file`: the user data from a file (--user-data FILE), base64-encoded as the API takes it
    async create(api, { image, flavor, networks, security_groups, user_data_file, ...body }, { dir }) {
      const server: Body = { ...body };
      if (user_data_file !== undefined)
        server.user_data = readFileSync(fromDir(dir, user_data_file)).toString('base64');
      if (security_groups)
        server.security_groups = (security_groups as (string | Body)[]).map((g) =>
          typeof g === 'string' ? { name: g } : g,
        );
      if (image) server.imageRef = await find(api, 'image', image);
      if (flavor) server.flavorRef = await find(api, 'flavor', flavor);
      if (networks)
        server.networks = await Promise.all(
          (networks as string[]).map(async (n) => ({ uuid: await find(api, 'network', n) })),
        );
      return (await api.call('POST', '/compute/v2.1/servers', { server })).server.id;
    },
  },
};

export const RESOURCE_KINDS = Object.keys(KINDS);

export interface ResourceList {
  project?: string;
  resources: Body[];
}

/** Checks a parsed YAML document's shape; throws what is wrong, naming the entry. */
export function parseResourceList(doc: unknown): ResourceList {
  const list = Array.isArray(doc) ? { resources: doc } : (doc as ResourceList);
  if (!list || !Array.isArray(list.resources))
    throw new Error('a resource list has a top-level `resources:` list (or is a list)');
  list.resources.forEach((entry, i) => {
    const keys = entry && typeof entry === 'object' ? Object.keys(entry) : [];
    if (keys.length !== 1 || !KINDS[keys[0]])
      throw new Error(
        `entry ${i + 1}: one of ${RESOURCE_KINDS.join(', ')} with its body, e.g. "- network: {name: private}"`,
      );
  });
  return list;
}

/** Creates every resource in order; `say` gets one line per resource. */
export async function applyResourceList(
  api: ApiClient,
  list: ResourceList,
  file: string,
  say: (line: string) => void,
): Promise<void> {
  for (const [i, entry] of list.resources.entries()) {
    const [kind, body] = Object.entries(entry)[0] as [string, Body];
    try {
      const id = await KINDS[kind].create(api, body ?? {}, { dir: dirname(file) });
      say(`${kind} ${body?.name ?? ''} ${id}`.replace(/\s+/g, ' '));
    } catch (e) {
      throw new Error(`entry ${i + 1} (${kind} ${body?.name ?? ''}): ${(e as Error).message}`);
    }
  }
}
