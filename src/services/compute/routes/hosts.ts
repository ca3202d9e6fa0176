import { uptime } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { isUuid } from '../../../server/ids.js';
import { isoMicrosNoZone, now } from '../../../server/time.js';
import { type NovaRequest, qparam, requireComputeAdmin } from '../api.js';
import { computeDriver } from '../driver.js';
import { DEFAULT_AZ, hostZones, INTERNAL_AZ, nodeUuid, serviceIsUp } from '../host.js';
import { cdb, type ServiceRow } from '../store.js';
import { type Schema, toBool, types, validateBody } from '../validation.js';

function serviceView(req: NovaRequest, s: ServiceRow) {
  const uuids = req.microversion.atLeast('2.53');
  return {
    id: uuids ? s.uuid : s.id,
    binary: s.binary,
    host: s.host,
    zone: s.zone,
    status: s.disabled ? 'disabled' : 'enabled',
    state: serviceIsUp(s) ? 'up' : 'down',
    updated_at: s.updated_at ? isoMicrosNoZone(s.updated_at) : null,
    disabled_reason: s.disabled_reason,
    ...(req.microversion.atLeast('2.11') ? { forced_down: s.forced_down === 1 } : {}),
  };
}

function uptimeText(): string {
  const secs = uptime();
  const days = Math.floor(secs / 86400);
  const hh = String(Math.floor((secs % 86400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((secs % 3600) / 60)).padStart(2, '0');
  const t = new Date().toISOString().slice(11, 19);
  return ` ${t} up ${days} days, ${hh}:${mm},  1 user,  load average: 0.00, 0.00, 0.00`;
}

const hostBinary: Schema = {
  type: 'object',
  properties: {
    host: types.name,
    binary: types.name,
    disabled_reason: { type: 'string', minLength: 1, maxLength: 255 },
    forced_down: types.boolean,
  },
  required: ['host', 'binary'],
  additionalProperties: false,
};

const updateSchema: Schema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['enabled', 'disabled'] },
    disabled_reason: { type: 'string', minLength: 1, maxLength: 255 },
    forced_down: types.boolean,
  },
  additionalProperties: false,
};

/** /os-availability-zone, /os-hypervisors, /os-services: the one compute host. */
export async function hostRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);
  // compute services are in their host's zone (an aggregate's availability_zone, else nova)
  const services = async () => {
    const zones = await hostZones(db);
    return (await db.selectFrom('nova_services').selectAll().orderBy('id').execute()).map((s) =>
      s.binary === 'nova-compute' ? { ...s, zone: zones.get(s.host) ?? s.zone } : s,
    );
  };

  app.get('/os-availability-zone', async () => {
    const zones = new Set((await services()).filter((s) => s.zone !== INTERNAL_AZ && !s.disabled).map((s) => s.zone));
    if (zones.size === 0) zones.add(DEFAULT_AZ);
    return {
      availabilityZoneInfo: [...zones].map((z) => ({ zoneName: z, zoneState: { available: true }, hosts: null })),
    };
  });

  app.get('/os-availability-zone/detail', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-availability-zone:detail');
    const byZone = new Map<string, Record<string, Record<string, unknown>>>();
    for (const s of (await services()).filter((x) => !x.disabled)) {
      const hosts = byZone.get(s.zone) ?? {};
      hosts[s.host] = {
        ...(hosts[s.host] ?? {}),
        [s.binary]: {
          available: serviceIsUp(s),
          active: true,
          updated_at: s.updated_at ? isoMicrosNoZone(s.updated_at) : null,
        },
      };
      byZone.set(s.zone, hosts);
    }
    return {
      availabilityZoneInfo: [...byZone].map(([zoneName, hosts]) => ({
        zoneName,
        zoneState: { available: true },
        hosts,
      })),
    };
  });

  // --- hypervisors: one per nova-compute service
  async function hypervisors(req: NovaRequest, detail: boolean, withServers = false) {
    const computes = (await services()).filter((s) => s.binary === 'nova-compute');
    const info = computeDriver(cloud).hostInfo();
    const usage = await db
      .selectFrom('nova_instances')
      .select((eb) => [
        'host',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('vcpus').as('vcpus'),
        eb.fn.sum<number>('memory_mb').as('ram'),
        eb.fn.sum<number>('root_gb').as('disk'),
      ])
      .where('deleted', '=', 0)
      .groupBy('host')
      .execute();
    const uuids = req.microversion.atLeast('2.53');
    const out = [];
    for (const [i, s] of computes.entries()) {
      const u = usage.find((x) => x.host === s.host);
      const h: Record<string, unknown> = {
        // compute nodes are numbered on their own in Nova, from 1
        id: uuids ? nodeUuid(s.host) : i + 1,
        hypervisor_hostname: s.host,
        state: serviceIsUp(s) ? 'up' : 'down',
        status: s.disabled ? 'disabled' : 'enabled',
      };
      if (detail) {
        const vcpusUsed = Number(u?.vcpus ?? 0);
        const ramUsed = Number(u?.ram ?? 0) + 512;
        const diskUsed = Number(u?.disk ?? 0);
        Object.assign(h, {
          hypervisor_type: info.hypervisor_type,
          hypervisor_version: info.hypervisor_version,
          host_ip: cloud.config.host,
          service: { id: uuids ? s.uuid : s.id, host: s.host, disabled_reason: s.disabled_reason },
        });
        // 2.88: the resource figures are gone (placement has them), uptime is here
        if (req.microversion.atLeast('2.88')) h.uptime = uptimeText();
        else
          Object.assign(h, {
            vcpus: info.vcpus,
            memory_mb: info.memory_mb,
            local_gb: info.local_gb,
            vcpus_used: vcpusUsed,
            memory_mb_used: ramUsed,
            local_gb_used: diskUsed,
            free_ram_mb: info.memory_mb - ramUsed,
            free_disk_gb: info.local_gb - diskUsed,
            current_workload: 0,
            running_vms: Number(u?.n ?? 0),
            disk_available_least: info.local_gb - diskUsed,
            cpu_info: req.microversion.atLeast('2.28') ? info.cpu_info : JSON.stringify(info.cpu_info),
          });
      }
      if (withServers) {
        const rows = await db
          .selectFrom('nova_instances')
          .select(['uuid', 'display_name', 'id'])
          .where('deleted', '=', 0)
          .where('host', '=', s.host)
          .orderBy('id')
          .execute();
        if (rows.length || req.microversion.atLeast('2.75'))
          h.servers = rows.map((r) => ({ name: `instance-${r.id.toString(16).padStart(8, '0')}`, uuid: r.uuid }));
      }
      out.push(h);
    }
    return out;
  }

  const withServersParam = (req: NovaRequest) =>
    req.microversion.atLeast('2.53') &&
    qparam(req, 'with_servers') !== undefined &&
    toBool(qparam(req, 'with_servers'));

  async function matching(req: NovaRequest, detail: boolean, pattern: string | undefined, withServers = false) {
    let list = await hypervisors(req, detail, withServers);
    if (pattern !== undefined) {
      list = list.filter((h) => String(h.hypervisor_hostname).includes(pattern));
      if (list.length === 0) throw new NotFound(`No hypervisor matching '${pattern}' could be found.`);
    }
    return list;
  }

  app.get('/os-hypervisors', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hypervisors:list');
    const pattern = req.microversion.atLeast('2.53') ? qparam(req, 'hypervisor_hostname_pattern') : undefined;
    return { hypervisors: await matching(req, false, pattern, withServersParam(req)) };
  });

  app.get('/os-hypervisors/detail', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hypervisors:list-detail');
    const pattern = req.microversion.atLeast('2.53') ? qparam(req, 'hypervisor_hostname_pattern') : undefined;
    return { hypervisors: await matching(req, true, pattern, withServersParam(req)) };
  });

  app.get('/os-hypervisors/statistics', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hypervisors:statistics');
    if (req.microversion.atLeast('2.88')) throw new NotFound('The resource could not be found.');
    const all = await hypervisors(req, true);
    const sum = (k: string) => all.reduce((a, h) => a + Number(h[k] ?? 0), 0);
    const keys = [
      'vcpus',
      'memory_mb',
      'local_gb',
      'vcpus_used',
      'memory_mb_used',
      'local_gb_used',
      'free_ram_mb',
      'free_disk_gb',
      'current_workload',
      'running_vms',
      'disk_available_least',
    ];
    return { hypervisor_statistics: { count: all.length, ...Object.fromEntries(keys.map((k) => [k, sum(k)])) } };
  });

  async function one(req: NovaRequest, id: string, withServers = false) {
    if (req.microversion.atLeast('2.53') && !isUuid(id)) throw new BadRequest(`Invalid uuid ${id}`);
    const found = (await hypervisors(req, true, withServers)).find((h) => String(h.id) === id);
    if (!found) throw new NotFound(`Hypervisor with ID '${id}' could not be found.`);
    return found;
  }

  app.get('/os-hypervisors/:id', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hypervisors:show');
    return { hypervisor: await one(req, (req.params as { id: string }).id, withServersParam(req)) };
  });

  app.get('/os-hypervisors/:id/uptime', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hypervisors:uptime');
    if (req.microversion.atLeast('2.88')) throw new NotFound('The resource could not be found.');
    const h = await one(req, (req.params as { id: string }).id);
    return {
      hypervisor: {
        id: h.id,
        hypervisor_hostname: h.hypervisor_hostname,
        state: h.state,
        status: h.status,
        uptime: uptimeText(),
      },
    };
  });

  // The pre-2.53 forms that look hypervisors up by host name.
  app.get('/os-hypervisors/:pattern/search', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hypervisors:search');
    if (req.microversion.atLeast('2.53')) throw new NotFound('The resource could not be found.');
    return { hypervisors: await matching(req, false, (req.params as { pattern: string }).pattern) };
  });

  app.get('/os-hypervisors/:pattern/servers', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-hypervisors:servers');
    if (req.microversion.atLeast('2.53')) throw new NotFound('The resource could not be found.');
    return { hypervisors: await matching(req, false, (req.params as { pattern: string }).pattern, true) };
  });

  // --- services
  app.get('/os-services', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-services:list');
    let list = await services();
    const host = qparam(req, 'host');
    const binary = qparam(req, 'binary');
    if (host !== undefined) list = list.filter((s) => s.host === host);
    if (binary !== undefined) list = list.filter((s) => s.binary === binary);
    return { services: list.map((s) => serviceView(req, s)) };
  });

  async function setService(s: ServiceRow, change: Partial<ServiceRow>): Promise<ServiceRow> {
    const updated = { ...change, updated_at: now() };
    await db.updateTable('nova_services').set(updated).where('id', '=', s.id).execute();
    return { ...s, ...updated };
  }

  // pre-2.53: PUT /os-services/{enable,disable,disable-log-reason,force-down} with host and binary
  app.put('/os-services/:action', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-services:update');
    const { action } = req.params as { action: string };
    if (req.microversion.atLeast('2.53')) return updateByUuid(req, action);
    if (
      !['enable', 'disable', 'disable-log-reason', 'force-down'].includes(action) ||
      (action === 'force-down' && !req.microversion.atLeast('2.11'))
    )
      throw new NotFound('Unknown action');
    const body = validateBody(hostBinary, req.body);
    const s = (await services()).find((x) => x.host === body.host && x.binary === body.binary);
    if (!s) throw new NotFound(`Host '${body.host}' is not mapped to any cell`);
    if (action === 'force-down') {
      if (body.forced_down === undefined) throw new BadRequest('Missing forced_down field');
      const forced = toBool(body.forced_down);
      await setService(s, { forced_down: forced ? 1 : 0 });
      return { service: { host: s.host, binary: s.binary, forced_down: forced } };
    }
    if (action === 'disable-log-reason' && !body.disabled_reason) throw new BadRequest('Missing disabled reason field');
    const disabled = action !== 'enable';
    const reason = action === 'disable-log-reason' ? body.disabled_reason : null;
    await setService(s, { disabled: disabled ? 1 : 0, disabled_reason: reason });
    return {
      service: {
        host: s.host,
        binary: s.binary,
        status: disabled ? 'disabled' : 'enabled',
        ...(action === 'disable-log-reason' ? { disabled_reason: reason } : {}),
      },
    };
  });

  async function updateByUuid(req: NovaRequest, id: string) {
    if (!isUuid(id)) throw new BadRequest(`Invalid uuid ${id}`);
    const body = validateBody(updateSchema, req.body ?? {});
    const s = (await services()).find((x) => x.uuid === id);
    if (!s) throw new NotFound(`Service ${id} not found.`);
    if (body.status === undefined && body.forced_down === undefined)
      throw new BadRequest("At least one of 'status' or 'forced_down' must be specified in the request body.");
    if (body.disabled_reason !== undefined && body.status !== 'disabled')
      throw new BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
    if (s.binary !== 'nova-compute')
      throw new BadRequest(
        `Updating a ${s.binary} service is not supported. Only nova-compute services can be updated.`,
      );
    const change: Partial<ServiceRow> = {};
    if (body.status !== undefined) {
      change.disabled = body.status === 'disabled' ? 1 : 0;
      change.disabled_reason = body.status === 'disabled' ? (body.disabled_reason ?? null) : null;
    }
    if (body.forced_down !== undefined) change.forced_down = toBool(body.forced_down) ? 1 : 0;
    return { service: serviceView(req, await setService(s, change)) };
  }

  app.delete('/os-services/:id', async (req, reply) => {
    requireComputeAdmin(req, 'os_compute_api:os-services:delete');
    const { id } = req.params as { id: string };
    const uuids = req.microversion.atLeast('2.53');
    if (uuids && !isUuid(id)) throw new BadRequest(`Invalid uuid ${id}`);
    const s = (await services()).find((x) => (uuids ? x.uuid === id : String(x.id) === id));
    if (!s) throw new NotFound(`Service ${id} could not be found.`);
    if (s.binary === 'nova-compute') {
      const hosting = await db
        .selectFrom('nova_instances')
        .select('uuid')
        .where('host', '=', s.host)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (hosting)
        throw new Conflict(
          'Unable to delete compute service that is hosting instances. Migrate or delete the instances first.',
        );
    }
    await db.deleteFrom('nova_services').where('id', '=', s.id).execute();
    return reply.code(204).send();
  });
}
