import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound, NotImplemented } from '../../../server/errors.js';
import { isUuid } from '../../../server/ids.js';
import { isoMicrosNoZone, now } from '../../../server/time.js';
import { fromJson } from '../../../store/json.js';
import { type NovaRequest, qparam, requireComputeAdmin } from '../api.js';
import { computeDriver } from '../driver.js';
import type { EmbeddedFlavor } from '../flavors.js';
import { cdb } from '../store.js';
import { type Schema, validateBody } from '../validation.js';

// Admin APIs about the host and its history: os-hosts (until 2.43),
// os-migrations (the resizes done here), os-server-external-events.

const SERVICE: Record<string, string> = {
  'nova-compute': 'compute',
  'nova-scheduler': 'scheduler',
  'nova-conductor': 'conductor',
};

const EVENTS = ['network-changed', 'network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted'];
function eventNames(req: NovaRequest): string[] {
  const names = [...EVENTS];
  if (req.microversion.atLeast('2.51')) names.push('volume-extended');
  if (req.microversion.atLeast('2.76')) names.push('power-update');
  if (req.microversion.atLeast('2.82')) names.push('accelerator-request-bound');
  return names;
}

/**
 * Nova's instance_type_id is the flavor's database id, an integer; a
 * flavor here is known by its flavorid: a numeric one is its own number,
 * another a stable 31-bit hash of it.
 */
function flavorNumber(flavorid: string): number {
  if (/^\d{1,9}$/.test(flavorid)) return Number(flavorid);
  return createHash('sha1').update(flavorid).digest().readUInt32BE(0) >>> 1;
}

/** A migration's uuid (2.59): name-based on its id, so it stays the same. */
function migrationUuid(id: number): string {
  const h = createHash('sha1').update(`migration:${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function hostAdminRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);
  const legacyHosts = (req: NovaRequest) => {
    if (req.microversion.atLeast('2.43')) throw new NotFound('The resource could not be found.');
  };
  const computeHost = async (host: string) => {
    const svc = await db
      .selectFrom('nova_services')
      .selectAll()
      .where('host', '=', host)
      .where('binary', '=', 'nova-compute')
      .executeTakeFirst();
    if (!svc) throw new NotFound(`Compute host ${host} could not be found.`);
    return svc;
  };

  app.get('/os-hosts', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hosts:list');
    legacyHosts(req);
    const zone = qparam(req, 'zone');
    const rows = await db.selectFrom('nova_services').selectAll().orderBy('id').execute();
    return {
      hosts: rows
        .filter((s) => !zone || s.zone === zone)
        .map((s) => ({ host_name: s.host, service: SERVICE[s.binary] ?? s.binary, zone: s.zone })),
    };
  });

  app.get('/os-hosts/:host', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hosts:show');
    legacyHosts(req);
    const { host } = req.params as { host: string };
    await computeHost(host);
    const rows = await db
      .selectFrom('nova_instances')
      .selectAll()
      .where('host', '=', host)
      .where('deleted', '=', 0)
      .execute();
    const info = computeDriver(cloud).hostInfo();
    const sum = (list: typeof rows) => ({
      cpu: list.reduce((a, r) => a + r.vcpus, 0),
      memory_mb: list.reduce((a, r) => a + r.memory_mb, 0),
      disk_gb: list.reduce((a, r) => a + r.root_gb, 0),
    });
    const resource = (project: string, v: { cpu: number; memory_mb: number; disk_gb: number }) => ({
      resource: { host, project, ...v },
    });
    const out = [
      resource('(total)', { cpu: info.vcpus, memory_mb: info.memory_mb, disk_gb: info.local_gb }),
      resource('(used_now)', sum(rows)),
      resource('(used_max)', sum(rows)),
    ];
    for (const p of [...new Set(rows.map((r) => r.project_id))])
      out.push(resource(p, sum(rows.filter((r) => r.project_id === p))));
    return { host: out };
  });

  const hostUpdate: Schema = {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'] },
      maintenance_mode: { type: 'string', enum: ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'] },
    },
    additionalProperties: false,
    minProperties: 1,
  };
  app.put('/os-hosts/:host', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hosts:update');
    legacyHosts(req);
    const body = validateBody(hostUpdate, req.body ?? {});
    const svc = await computeHost((req.params as { host: string }).host);
    if (body.maintenance_mode !== undefined)
      throw new NotImplemented('Virt driver does not implement host maintenance mode.');
    const disabled = String(body.status).toLowerCase() === 'disable';
    await db
      .updateTable('nova_services')
      .set({ disabled: disabled ? 1 : 0, updated_at: now() })
      .where('id', '=', svc.id)
      .execute();
    return { host: svc.host, status: disabled ? 'disabled' : 'enabled' };
  });

  for (const action of ['startup', 'shutdown', 'reboot'])
    app.get(`/os-hosts/:host/${action}`, async (req) => {
      requireComputeAdmin(req, `os_compute_api:os-hosts:${action === 'startup' ? 'start' : action}`);
      legacyHosts(req);
      await computeHost((req.params as { host: string }).host);
      throw new NotImplemented(
        `Virt driver does not implement host ${action === 'startup' ? 'power' : action} action.`,
      );
    });

  // --- os-migrations: each resize is a migration on the one host
  app.get('/os-migrations', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-migrations:index');
    const actions = await db
      .selectFrom('nova_instance_actions')
      .selectAll()
      .where('action', 'in', ['resize', 'confirmResize', 'revertResize'])
      .orderBy('id')
      .execute();
    const instances = new Map(
      (
        await db
          .selectFrom('nova_instances')
          .select(['uuid', 'host', 'node', 'system_metadata', 'flavorid'])
          .where('uuid', 'in', actions.length ? [...new Set(actions.map((a) => a.instance_uuid))] : [''])
          .execute()
      ).map((i) => [i.uuid, i]),
    );
    const out: Record<string, unknown>[] = [];
    for (const [n, a] of actions.entries()) {
      if (a.action !== 'resize') continue;
      const later = actions.slice(n + 1).find((x) => x.instance_uuid === a.instance_uuid);
      const status =
        later?.action === 'confirmResize' ? 'confirmed' : later?.action === 'revertResize' ? 'reverted' : 'finished';
      const i = instances.get(a.instance_uuid);
      const sys = fromJson<{ old_flavor?: EmbeddedFlavor; new_flavor?: EmbeddedFlavor }>(i?.system_metadata, {});
      const oldFlavor = sys.old_flavor?.flavorid;
      const newFlavor = sys.new_flavor?.flavorid ?? i?.flavorid;
      const m: Record<string, unknown> = {
        id: a.id,
        instance_uuid: a.instance_uuid,
        source_compute: i?.host ?? null,
        dest_compute: i?.host ?? null,
        source_node: i?.node ?? null,
        dest_node: i?.node ?? null,
        dest_host: cloud.config.host,
        status,
        old_instance_type_id: oldFlavor === undefined ? null : flavorNumber(oldFlavor),
        new_instance_type_id: newFlavor === undefined ? null : flavorNumber(newFlavor),
        created_at: isoMicrosNoZone(a.start_time),
        updated_at: isoMicrosNoZone(a.updated_at),
        ...(req.microversion.atLeast('2.23') ? { migration_type: 'resize' } : {}),
        ...(req.microversion.atLeast('2.59') ? { uuid: migrationUuid(a.id) } : {}),
        // 2.80: who asked for the migration
        ...(req.microversion.atLeast('2.80') ? { user_id: a.user_id, project_id: a.project_id } : {}),
      };
      const inst = qparam(req, 'instance_uuid');
      const st = qparam(req, 'status');
      const type = qparam(req, 'migration_type');
      if (inst && m.instance_uuid !== inst) continue;
      if (st && m.status !== st) continue;
      if (type && type !== 'resize') continue;
      if (req.microversion.atLeast('2.80')) {
        const user = qparam(req, 'user_id');
        const project = qparam(req, 'project_id');
        if (user && a.user_id !== user) continue;
        if (project && a.project_id !== project) continue;
      }
      out.push(m);
    }
    return { migrations: out.reverse() };
  });

  // --- os-server-external-events: Neutron and Cinder tell Nova what changed
  app.post('/os-server-external-events', async (req, reply) => {
    requireComputeAdmin(req, 'os_compute_api:os-server-external-events:create');
    const body = validateBody<{ events: { name: string; server_uuid: string; tag?: string; status?: string }[] }>(
      {
        type: 'object',
        properties: {
          events: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              properties: {
                server_uuid: { type: 'string', format: 'uuid' },
                name: { type: 'string', enum: eventNames(req) },
                status: { type: 'string', enum: ['failed', 'completed', 'in-progress'] },
                tag: { type: 'string', maxLength: 255 },
              },
              required: ['server_uuid', 'name'],
              additionalProperties: false,
            },
          },
        },
        required: ['events'],
        additionalProperties: false,
      },
      req.body,
    );
    const results = [];
    for (const e of body.events) {
      if (!isUuid(e.server_uuid)) throw new BadRequest(`Invalid server_uuid ${e.server_uuid}`);
      const i = await db
        .selectFrom('nova_instances')
        .select(['uuid', 'host'])
        .where('uuid', '=', e.server_uuid)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      const ok = !!i?.host;
      results.push({ ...e, status: e.status ?? 'completed', code: ok ? 200 : i ? 422 : 404 });
    }
    const okCount = results.filter((r) => r.code === 200).length;
    const code = okCount === results.length ? 200 : okCount === 0 ? 404 : 207;
    if (code === 404) throw new NotFound('No instances found for any event');
    return reply.code(code).send({ events: results });
  });
}
