import type { Cloud } from '../../../cloud.js';
import { BadRequest, Forbidden } from '../../../server/errors.js';
import { type NovaRequest, pagination, policyDenied, qparam, qparams } from '../api.js';
import { networkViews } from '../neutron.js';
import { statesForStatus, VmState } from '../states.js';
import { cdb, type InstanceRow } from '../store.js';
import { toBool } from '../validation.js';
import { idFromHref } from './create.js';
import { type Instance, parseInstance } from './model.js';

// GET /servers and /servers/detail: Nova's filters, sorting and paging.
// Filters a member may not use are dropped silently, as Nova does.

const SORT_KEYS: Record<string, keyof InstanceRow> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  display_name: 'display_name',
  display_description: 'display_description',
  uuid: 'uuid',
  vm_state: 'vm_state',
  task_state: 'task_state',
  power_state: 'power_state',
  launched_at: 'launched_at',
  terminated_at: 'terminated_at',
  hostname: 'hostname',
  key_name: 'key_name',
  availability_zone: 'availability_zone',
  image_ref: 'image_ref',
  project_id: 'project_id',
  user_id: 'user_id',
  host: 'host',
  node: 'node',
  config_drive: 'config_drive',
  access_ip_v4: 'access_ip_v4',
  access_ip_v6: 'access_ip_v6',
  launch_index: 'launch_index',
  reservation_id: 'reservation_id',
  locked: 'locked',
  progress: 'progress',
  root_device_name: 'root_device_name',
  instance_type_id: 'flavorid',
};

function timeParam(req: NovaRequest, name: string): string | undefined {
  const v = qparam(req, name);
  if (v === undefined) return undefined;
  // ISO 8601 only, as Nova's date-time format checker reads it
  const t = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t))
    throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'date-time'`);
  return new Date(t).toISOString();
}

function regex(name: string, v: string): RegExp {
  try {
    return new RegExp(v);
  } catch {
    throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'regex'`);
  }
}

/** The instances a list shows, filtered, sorted and paged; all_tenants and deleted for admins only. */
export async function listInstances(cloud: Cloud, req: NovaRequest): Promise<{ page: Instance[]; limit: number }> {
  const admin = req.auth.isAdmin;
  const mv = req.microversion;
  const { limit, marker } = pagination(req);
  let q = cdb(cloud).selectFrom('nova_instances').selectAll();

  const allTenants =
    qparam(req, 'all_tenants') !== undefined &&
    (qparam(req, 'all_tenants') === '' || toBool(qparam(req, 'all_tenants')));
  if (allTenants) {
    if (!admin) throw policyDenied('os_compute_api:servers:index:get_all_tenants');
    const tenant = qparam(req, 'tenant_id') ?? qparam(req, 'project_id');
    if (tenant !== undefined) q = q.where('project_id', '=', tenant);
  } else {
    q = q.where('project_id', '=', req.auth.projectId ?? '');
  }

  const since = timeParam(req, 'changes-since');
  const before = mv.atLeast('2.66') ? timeParam(req, 'changes-before') : undefined;
  if (since && before && before < since)
    throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
  if (since) q = q.where('updated_at', '>=', since);
  if (before) q = q.where('updated_at', '<=', before);

  const statuses = qparams(req, 'status');
  let wantDeleted = false;
  if (statuses.length) {
    const vm = new Set<string>();
    const tasks = new Set<string | null>();
    for (const s of statuses) {
      const st = statesForStatus(s);
      for (const v of st.vmStates) vm.add(v);
      for (const t of st.taskStates) tasks.add(t);
    }
    if (vm.size === 0) {
      if (mv.atLeast('2.38')) throw new BadRequest('Invalid status value');
      return { page: [], limit };
    }
    if ([...vm].length === 1 && vm.has(VmState.DELETED)) {
      if (!admin) throw new Forbidden('Only administrators may list deleted instances');
      wantDeleted = true;
    }
    q = q.where('vm_state', 'in', [...vm]);
    if (!tasks.has(null)) q = q.where('task_state', 'in', [...tasks] as string[]);
  }
  const deletedParam = admin ? qparam(req, 'deleted') : undefined;
  if (deletedParam !== undefined) wantDeleted = toBool(deletedParam);
  if (!since && !before) q = q.where('deleted', '=', wantDeleted ? 1 : 0);

  const image = qparam(req, 'image');
  if (image !== undefined) q = q.where('image_ref', '=', idFromHref(image));
  const flavor = qparam(req, 'flavor');
  if (flavor !== undefined) q = q.where('flavorid', '=', idFromHref(flavor));
  const resv = qparam(req, 'reservation_id');
  if (resv !== undefined) q = q.where('reservation_id', '=', resv);
  if (mv.atLeast('2.73') && qparam(req, 'locked') !== undefined)
    q = q.where('locked', '=', toBool(qparam(req, 'locked')) ? 1 : 0);
  // admins filter on more of an instance; from 2.83 members on most of it too
  const more = admin || mv.atLeast('2.83');
  for (const [param, col, adminOnly] of [
    ['host', 'host', true],
    ['node', 'node', true],
    ['uuid', 'uuid', true],
    ['user_id', 'user_id', false],
    ['vm_state', 'vm_state', false],
    ['task_state', 'task_state', false],
    ['availability_zone', 'availability_zone', false],
    ['key_name', 'key_name', false],
  ] as const) {
    const v = qparam(req, param);
    if (v !== undefined && (adminOnly ? admin : more)) q = q.where(col, '=', v);
  }
  if (more) {
    const configDrive = qparam(req, 'config_drive');
    if (configDrive !== undefined) q = q.where('config_drive', toBool(configDrive) ? '=' : '!=', 'True');
    for (const [param, col] of [
      ['power_state', 'power_state'],
      ['progress', 'progress'],
    ] as const) {
      const v = qparam(req, param);
      if (v === undefined) continue;
      if (!/^\d+$/.test(v)) throw new BadRequest(`Invalid input for query parameters ${param}. Value: ${v}.`);
      q = q.where(col, '=', Number(v));
    }
    for (const [param, col] of [
      ['created_at', 'created_at'],
      ['launched_at', 'launched_at'],
      ['terminated_at', 'terminated_at'],
    ] as const) {
      const at = timeParam(req, param);
      if (at !== undefined) q = q.where(col, '=', at);
    }
  }
  if (mv.atLeast('2.26')) {
    const tagSet = (name: string) => (qparam(req, name) ?? '').split(',').filter(Boolean);
    const tagged = (tag: string) => (eb: any) =>
      eb.exists(
        eb
          .selectFrom('nova_instance_tags as t')
          .select('t.tag')
          .whereRef('t.instance_uuid', '=', 'nova_instances.uuid')
          .where('t.tag', '=', tag),
      );
    for (const tag of tagSet('tags')) q = q.where(tagged(tag));
    const any = tagSet('tags-any');
    if (any.length) q = q.where((eb) => eb.or(any.map((t) => tagged(t)(eb))));
    const notAll = tagSet('not-tags');
    if (notAll.length) q = q.where((eb) => eb.not(eb.and(notAll.map((t) => tagged(t)(eb)))));
    for (const tag of tagSet('not-tags-any')) q = q.where((eb) => eb.not(tagged(tag)(eb)));
  }

  const sortKeys = qparams(req, 'sort_key');
  const sortDirs = qparams(req, 'sort_dir');
  const keys = sortKeys.length ? sortKeys : ['created_at'];
  keys.forEach((k, n) => {
    const col = SORT_KEYS[k];
    if (!col) return;
    if ((k === 'host' || k === 'node') && !admin)
      throw new Forbidden('Only administrators can sort servers by host or node');
    const dir = (sortDirs[n] ?? sortDirs[0] ?? 'desc') === 'asc' ? 'asc' : 'desc';
    q = q.orderBy(col, dir);
  });
  q = q.orderBy('id', (sortDirs[0] ?? 'desc') === 'asc' ? 'asc' : 'desc');

  let rows = (await q.execute()).map(parseInstance);

  const name = qparam(req, 'name');
  if (name !== undefined) {
    const r = regex('name', name);
    rows = rows.filter((i) => r.test(i.display_name));
  }
  const ip = qparam(req, 'ip');
  const ip6 = admin || mv.atLeast('2.5') ? qparam(req, 'ip6') : undefined;
  if (ip !== undefined || ip6 !== undefined) {
    const r4 = ip !== undefined ? regex('ip', ip) : undefined;
    const r6 = ip6 !== undefined ? regex('ip6', ip6) : undefined;
    const { addresses } = await networkViews(
      cloud,
      rows.map((i) => i.uuid),
    );
    rows = rows.filter((i) =>
      Object.values(addresses.get(i.uuid) ?? {})
        .flat()
        .some((a) => a['OS-EXT-IPS:type'] === 'fixed' && (a.version === 6 ? r6?.test(a.addr) : r4?.test(a.addr))),
    );
  }
  if (marker !== undefined) {
    const at = rows.findIndex((i) => i.uuid === marker);
    if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
    rows = rows.slice(at + 1);
  }
  return { page: rows.slice(0, limit), limit };
}
