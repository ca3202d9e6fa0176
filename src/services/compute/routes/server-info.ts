import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { isoMicrosNoZone } from '../../../server/time.js';
import { fromJson } from '../../../store/json.js';
import { type NovaRequest, nextLink, pagination, qparam, requireComputeAdmin } from '../api.js';
import { computeDriver } from '../driver.js';
import { networkViews, portsOf } from '../neutron.js';
import type { ActionEvent } from '../servers/journal.js';
import { getServer, hostId, notFound, updateInstance } from '../servers/model.js';
import { plainAddresses } from '../servers/view.js';
import { cdb, type InstanceActionRow } from '../store.js';

// Read-mostly views of one server: instance actions, ips, password, diagnostics.

/** The instance for os-instance-actions: from 2.21 deleted ones too. */
async function actionInstance(cloud: Cloud, req: NovaRequest) {
  const { id } = req.params as { id: string };
  let q = cdb(cloud).selectFrom('nova_instances').select(['uuid', 'project_id', 'deleted']).where('uuid', '=', id);
  if (!req.microversion.atLeast('2.21')) q = q.where('deleted', '=', 0);
  const i = await q.executeTakeFirst();
  if (!i || (!req.auth.isAdmin && i.project_id !== req.auth.projectId)) throw notFound(id);
  return i;
}

function actionView(req: NovaRequest, a: InstanceActionRow) {
  return {
    action: a.action,
    instance_uuid: a.instance_uuid,
    message: a.message,
    project_id: a.project_id,
    request_id: a.request_id,
    start_time: isoMicrosNoZone(a.start_time),
    user_id: a.user_id,
    ...(req.microversion.atLeast('2.58') ? { updated_at: isoMicrosNoZone(a.updated_at) } : {}),
  };
}

function eventView(req: NovaRequest, e: ActionEvent, projectId: string) {
  const out: Record<string, unknown> = {
    event: e.event,
    start_time: isoMicrosNoZone(e.start_time),
    finish_time: e.finish_time ? isoMicrosNoZone(e.finish_time) : null,
    result: e.result,
  };
  if (req.auth.isAdmin) out.traceback = e.traceback;
  if (req.microversion.atLeast('2.62')) {
    if (req.auth.isAdmin) out.host = e.host;
    out.hostId = hostId(e.host, projectId);
  }
  if (req.microversion.atLeast('2.84') && req.auth.isAdmin) out.details = e.details;
  return out;
}

/** Nova's diagnostics state of a power_state (nova/virt/diagnostics.py). */
const DIAGNOSTIC_STATES: Record<number, string> = {
  0: 'pending',
  1: 'running',
  3: 'paused',
  4: 'shutdown',
  6: 'crashed',
  7: 'suspended',
};

export async function serverInfoRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);

  app.get('/servers/:id/os-instance-actions', async (req) => {
    const i = await actionInstance(cloud, req);
    let q = db.selectFrom('nova_instance_actions').selectAll().where('instance_uuid', '=', i.uuid);
    const paged = req.microversion.atLeast('2.58');
    if (paged) {
      const since = qparam(req, 'changes-since');
      if (since) q = q.where('updated_at', '>=', new Date(since).toISOString());
    }
    let rows = await q.orderBy('start_time', 'desc').orderBy('id', 'desc').execute();
    let limit: number | undefined;
    if (paged) {
      const p = pagination(req);
      limit = p.limit;
      if (p.marker !== undefined) {
        const at = rows.findIndex((r) => r.request_id === p.marker);
        if (at < 0) throw new NotFound(`Marker ${p.marker} could not be found.`);
        rows = rows.slice(at + 1);
      }
      rows = rows.slice(0, limit);
    }
    const next = paged
      ? nextLink(req, `servers/${i.uuid}/os-instance-actions`, rows, limit, (r) => r.request_id)
      : undefined;
    return { instanceActions: rows.map((r) => actionView(req, r)), ...(next ? { links: next } : {}) };
  });

  app.get('/servers/:id/os-instance-actions/:requestId', async (req) => {
    const i = await actionInstance(cloud, req);
    const { requestId } = req.params as { requestId: string };
    const a = await db
      .selectFrom('nova_instance_actions')
      .selectAll()
      .where('instance_uuid', '=', i.uuid)
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    if (!a) throw new NotFound(`Action for request_id ${requestId} on instance ${i.uuid} not found`);
    const out: Record<string, unknown> = actionView(req, a);
    // Nova shows events to admins, and from 2.51 to the owner too (without traceback and host)
    if (req.auth.isAdmin || req.microversion.atLeast('2.51'))
      out.events = fromJson<ActionEvent[]>(a.events, []).map((e) => eventView(req, e, i.project_id));
    return { instanceAction: out };
  });

  app.get('/servers/:id/ips', async (req) => {
    const i = await getServer(cloud, req);
    return { addresses: plainAddresses((await networkViews(cloud, [i.uuid])).addresses.get(i.uuid) ?? {}) };
  });

  app.get('/servers/:id/ips/:network', async (req) => {
    const { network } = req.params as { network: string };
    const i = await getServer(cloud, req);
    const list = (await networkViews(cloud, [i.uuid])).addresses.get(i.uuid)?.[network];
    if (!list) throw new NotFound('Instance is not a member of specified network');
    return { [network]: list.map((a) => ({ version: a.version, addr: a.addr })) };
  });

  app.get('/servers/:id/os-server-password', async (req) => {
    const i = await getServer(cloud, req);
    return { password: i.sys.password ?? '' };
  });

  app.delete('/servers/:id/os-server-password', async (req, reply) => {
    const i = await getServer(cloud, req);
    const { password: _p, ...sys } = i.sys;
    await updateInstance(db, i.uuid, { sys });
    return reply.code(204).send();
  });

  app.get('/servers/:id/diagnostics', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-server-diagnostics');
    const i = await getServer(cloud, req);
    if (req.microversion.atLeast('2.48')) {
      const [ports, disks] = await Promise.all([
        portsOf(cloud, i),
        db
          .selectFrom('nova_bdms')
          .select('id')
          .where('instance_uuid', '=', i.uuid)
          .where('destination_type', '=', 'volume')
          .execute(),
      ]);
      // a booted-from-image guest has its root disk besides its volumes
      const numDisks = Math.max(1, disks.length + (i.image_ref ? 1 : 0));
      return {
        state: DIAGNOSTIC_STATES[i.power_state] ?? 'pending',
        // Nova's diagnostics name the driver family; pocketstack's guests
        // are qemu ones, as libvirt's are
        driver: 'libvirt',
        hypervisor: computeDriver(cloud).hostInfo().hypervisor_type.toLowerCase(),
        hypervisor_os: 'linux',
        uptime: i.launched_at ? Math.floor((Date.now() - Date.parse(i.launched_at)) / 1000) : 0,
        config_drive: i.config_drive === 'True',
        num_cpus: i.vcpus,
        num_nics: ports.length,
        num_disks: numDisks,
        memory_details: { maximum: i.memory_mb, used: 0 },
        cpu_details: Array.from({ length: i.vcpus }, (_, id) => ({ id, time: 0, utilisation: null })),
        nic_details: ports.map((p) => ({
          mac_address: p.mac_address,
          rx_octets: 0,
          rx_errors: 0,
          rx_drop: 0,
          rx_packets: 0,
          rx_rate: null,
          tx_octets: 0,
          tx_errors: 0,
          tx_drop: 0,
          tx_packets: 0,
          tx_rate: null,
        })),
        disk_details: Array.from({ length: numDisks }, () => ({
          read_bytes: 0,
          read_requests: 0,
          write_bytes: 0,
          write_requests: 0,
          errors_count: 0,
        })),
      };
    }
    return { cpu0_time: 0, memory: i.memory_mb * 1024, vda_read: 0, vda_write: 0, vda_read_req: 0, vda_write_req: 0 };
  });
}
