// Seeded generators of hostile requests for the fuzz suite: URLs over the
// route table with real, random and garbage ids; query strings; bodies of
// every JSON shape, near-plausible (the resource's own wrapper key and
// OpenStack's field names) and not; content types and version headers.

/** mulberry32: small, fast and the same on every machine for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  constructor(readonly rand: () => number) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
}

const KEYS = [
  'name',
  'id',
  'description',
  'enabled',
  'domain_id',
  'project_id',
  'tenant_id',
  'user_id',
  'password',
  'metadata',
  'tags',
  'size',
  'status',
  'imageRef',
  'flavorRef',
  'networks',
  'uuid',
  'port',
  'fixed_ip',
  'security_groups',
  'key_name',
  'user_data',
  'availability_zone',
  'block_device_mapping_v2',
  'volume_id',
  'device',
  'disk',
  'ram',
  'vcpus',
  'network_id',
  'subnet_id',
  'cidr',
  'ip_version',
  'gateway_ip',
  'allocation_pools',
  'start',
  'end',
  'host_routes',
  'destination',
  'nexthop',
  'dns_nameservers',
  'fixed_ips',
  'ip_address',
  'mac_address',
  'admin_state_up',
  'external_gateway_info',
  'routes',
  'floating_network_id',
  'port_id',
  'protocol',
  'direction',
  'ethertype',
  'port_range_min',
  'port_range_max',
  'remote_ip_prefix',
  'remote_group_id',
  'security_group_id',
  'router',
  'subnet',
  'network',
  'server',
  'volume',
  'snapshot',
  'backup',
  'image',
  'stack_name',
  'template',
  'parameters',
  'environment',
  'files',
  'timeout_mins',
  'disable_rollback',
  'existing',
  'visibility',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
  'protected',
  'op',
  'path',
  'value',
  'from',
  'auth',
  'identity',
  'methods',
  'scope',
  'role',
  'roles',
  'group',
  'type',
  'blob',
  'config',
  'extra_specs',
  'quota_set',
  'cores',
  'instances',
  'force',
  'type',
  'rules',
  'policies',
  'policy',
  'members',
  'member',
  'hosts',
  'host',
  'action',
  'args',
  'adminPass',
  'rebootType',
  'reboot',
  'os-start',
  'os-stop',
  'resize',
  'confirmResize',
  'createImage',
  'addFloatingIp',
  'os-extend',
  'new_size',
  'os-reset_status',
  'os-attach',
  'mountpoint',
  'connector',
  'os-set_bootable',
  'bootable',
  'revert',
  'snapshot_id',
  'source_volid',
  'backup_id',
  'restore',
  'accept',
  'auth_key',
  'volume_type',
  'qos_specs',
  'consumer',
  'keys',
  'resource_types',
  'properties',
  'objects',
  'namespace',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  'valueOf',
  '',
  ' ',
  '$ref',
];

const STRINGS = [
  '',
  ' ',
  'x',
  'a'.repeat(300),
  'é\u0000\uffff',
  '../../etc/passwd',
  '%00',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal the fuzz sends
  '${x}',
  "' OR 1=1 --",
  '<script>',
  '10.0.0.0/24',
  '::/0',
  '2001:db8::/129',
  '999.1.1.1',
  '-1',
  '0',
  '1e309',
  'NaN',
  'null',
  'true',
  '__proto__',
  'constructor',
  '2024-02-30T25:61:61Z',
  'bad uuid',
  '00000000-0000-0000-0000-000000000000',
  'ACTIVE',
  'SOFT',
  'HARD',
  'raw',
  'qcow2',
  'bare',
  'public',
  'ingress',
  'tcp',
  'IPv4',
  'default',
  '{"a":',
  '[1,2',
  'get_param',
  'str_replace',
];

const NUMBERS = [0, -1, 1, 2, 1.5, 65536, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MIN_VALUE];

export function scalar(g: Gen): unknown {
  switch (g.int(5)) {
    case 0:
      return g.pick(STRINGS);
    case 1:
      return g.pick(NUMBERS);
    case 2:
      return g.chance(0.5);
    case 3:
      return null;
    default:
      return g.pick(KEYS);
  }
}

/** A random JSON value up to `depth` levels, keys from OpenStack's field names. */
export function value(g: Gen, depth: number): unknown {
  if (depth <= 0 || g.chance(0.35)) return scalar(g);
  if (g.chance(0.3)) return Array.from({ length: g.int(4) }, () => value(g, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = g.int(5); i > 0; i--) o[g.pick(KEYS)] = value(g, depth - 1);
  return o;
}

/** The wrapper key a body for this URL probably has (servers → server). */
export function wrapperKey(url: string): string {
  const segs = url.split('/').filter((s) => s && !s.startsWith(':') && s !== 'action' && !/^v\d/.test(s));
  const last = (segs.at(-1) ?? '').replace(/^os-/, '').replace(/-/g, '_');
  if (last.endsWith('ies')) return `${last.slice(0, -3)}y`;
  if (last.endsWith('s')) return last.slice(0, -1);
  return last;
}

/** One request body: raw text with its content type, or none. */
export function body(g: Gen, url: string): { payload?: string; contentType?: string } {
  const json = (v: unknown) => ({ payload: JSON.stringify(v), contentType: 'application/json' });
  switch (g.int(12)) {
    case 0:
      return {};
    case 1:
      return json(scalar(g));
    case 2:
      return {
        payload: g.pick(['{"a":', '[', '{}}', 'nul', '\u0000', '{"a":1,"a":2}']),
        contentType: 'application/json',
      };
    case 3:
      return { payload: g.pick(['1', 'text', '{"x": 1}']), contentType: g.pick(['text/plain', 'application/xml']) };
    case 4:
      return { payload: `${'['.repeat(3000)}${']'.repeat(3000)}`, contentType: 'application/json' };
    case 5: {
      const key = g.chance(0.5) ? wrapperKey(url) : g.pick(KEYS);
      return json({ [key]: scalar(g) });
    }
    case 6:
      return json([value(g, 3), value(g, 3)]);
    case 7:
      return {
        payload: JSON.stringify([
          {
            op: g.pick(['add', 'replace', 'remove', 'move', 'x']),
            path: g.pick(['/name', '/tags/-', '/', '', '/__proto__/x', '/a/b/c']),
            value: scalar(g),
          },
        ]),
        contentType: g.pick([
          'application/openstack-images-v2.1-json-patch',
          'application/openstack-images-v2.0-json-patch',
          'application/json',
        ]),
      };
    case 8:
      return {
        payload: '{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}',
        contentType: 'application/json',
      };
    default: {
      const inner = value(g, 4);
      return json(g.chance(0.8) ? { [wrapperKey(url)]: inner } : inner);
    }
  }
}

const QUERY_KEYS = [
  'limit',
  'marker',
  'sort',
  'sort_key',
  'sort_dir',
  'all_tenants',
  'all_projects',
  'name',
  'status',
  'fields',
  'with_count',
  'offset',
  'tags',
  'tags-any',
  'not-tags',
  'project_id',
  'is_public',
  'changes-since',
  'ip',
  'metadata',
  'glance_metadata',
  'detail',
  'minDisk',
  'member_status',
  'visibility',
  'created_at',
  'page_reverse',
  'filters',
  'nested',
  'resolve_outputs',
  'show_deleted',
  'include_subtree',
  'parents_as_list',
  '__proto__',
];
const QUERY_VALUES = [
  '',
  '-1',
  '0',
  '1',
  '1000000000000',
  'abc',
  'true',
  'asc',
  'desc',
  'name:asc',
  'gt:2024',
  'in:a,b',
  '{',
  "{'a':'b'}",
  '__proto__',
  '%zz',
  'a,b,c',
];

export function query(g: Gen): string {
  const parts: string[] = [];
  for (let i = g.int(4); i > 0; i--)
    parts.push(
      `${encodeURIComponent(g.pick(QUERY_KEYS))}=${g.chance(0.9) ? encodeURIComponent(g.pick(QUERY_VALUES)) : g.pick(QUERY_VALUES)}`,
    );
  return parts.length ? `?${parts.join('&')}` : '';
}

const GARBAGE_IDS = [
  'x',
  '0',
  '-1',
  '__proto__',
  'constructor',
  'a'.repeat(300),
  '%2e%2e',
  'null',
  '00000000-0000-0000-0000-000000000000',
  '1e309',
  '%00',
  'é',
];

/** The route's URL with its parameters filled: a real id, a random uuid or garbage. */
export function fillUrl(g: Gen, url: string, ids: string[]): string {
  return url
    .replace(/:[A-Za-z_]+/g, () => {
      const r = g.int(10);
      if (r < 6 && ids.length) return g.pick(ids);
      if (r < 8) return crypto.randomUUID();
      return g.pick(GARBAGE_IDS);
    })
    .replace(/\*/g, () => g.pick(['x', 'a/b', '', '..', 'latest/meta_data.json']));
}

export const MICROVERSION_HEADERS: Array<Record<string, string>> = [
  {},
  { 'x-openstack-nova-api-version': 'latest' },
  { 'openstack-api-version': 'compute latest' },
  { 'openstack-api-version': 'volume latest' },
  { 'openstack-api-version': 'compute 2.999' },
  { 'openstack-api-version': 'volume 3.x' },
  { 'x-openstack-nova-api-version': '2.1' },
];
