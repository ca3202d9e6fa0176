import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { isoMicrosNoZone } from '../../../server/time.js';
import { type NovaRequest, nextLink, pagination, policyDenied, qparam, requireComputeAdmin } from '../api.js';
import { parseInstance } from '../servers/model.js';
import { cdb } from '../store.js';

// os-simple-tenant-usage (usage per project over a period) and
// os-instance_usage_audit_log (the audit task's record, which pocketstack's
// single host reports as never run).

/** Nova's accepted time formats for start/end; naive times are UTC; absent is now. */
function parseTime(raw: string | undefined): Date {
  if (raw === undefined || raw === '') return new Date();
  const m = /^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d:\d\d)(\.\d+)?| (\d\d:\d\d:\d\d)(\.\d+))$/.exec(raw);
  if (!m) throw new BadRequest('Invalid input received: Datetime is in invalid format');
  const d = new Date(`${m[1]}T${m[2] ?? m[4]}${m[3] ?? m[5] ?? ''}Z`);
  if (Number.isNaN(d.getTime())) throw new BadRequest('Invalid input received: Datetime is in invalid format');
  return d;
}

const QUERY = ['start', 'end', 'detailed'];
const PAGED_QUERY = [...QUERY, 'limit', 'marker'];

/**
 * The period asked for. Nova reads an absent start or end as "now" each, the
 * end a moment after the start, so a bare GET is a valid empty-length period
 * (the comparison comes before the end is cut back to now).
 */
function period(req: NovaRequest, show: boolean): { start: Date; stop: Date; detailed: boolean } {
  const allowed = req.microversion.atLeast('2.40') ? PAGED_QUERY : QUERY;
  if (req.microversion.atLeast('2.75')) {
    const extra = Object.keys(req.query as object).filter((k) => !allowed.includes(k) || (show && k === 'detailed'));
    if (extra.length)
      throw new BadRequest(
        `Invalid input for query parameters ${extra[0]}. Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`,
      );
  }
  const start = parseTime(qparam(req, 'start'));
  const rawEnd = qparam(req, 'end');
  let stop = rawEnd ? parseTime(rawEnd) : new Date(Math.max(Date.now(), start.getTime() + 1));
  if (!(start < stop)) throw new BadRequest('Invalid start time. The start time cannot occur after the end time.');
  const now = new Date();
  if (stop > now) stop = now;
  return { start, stop, detailed: qparam(req, 'detailed') === '1' };
}

interface Page {
  limit: number;
  marker?: string;
}

/** Usage per project of the instances alive in the period, a page of instances at a time (by project, uuid). */
async function usages(
  cloud: Cloud,
  start: Date,
  stop: Date,
  detailed: boolean,
  page: Page,
  projectId?: string,
): Promise<{ usages: Record<string, any>[]; servers: { instance_id: string }[] }> {
  let q = cdb(cloud)
    .selectFrom('nova_instances')
    .selectAll()
    .where('launched_at', 'is not', null)
    .where('launched_at', '<=', stop.toISOString())
    .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>=', start.toISOString())]))
    .orderBy('project_id')
    .orderBy('uuid');
  if (projectId) q = q.where('project_id', '=', projectId);
  if (page.marker !== undefined) {
    const m = await cdb(cloud)
      .selectFrom('nova_instances')
      .select(['project_id', 'uuid'])
      .where('uuid', '=', page.marker)
      .executeTakeFirst();
    if (!m) throw new BadRequest(`Marker ${page.marker} could not be found.`);
    q = q.where((eb) =>
      eb.or([
        eb('project_id', '>', m.project_id),
        eb.and([eb('project_id', '=', m.project_id), eb('uuid', '>', m.uuid)]),
      ]),
    );
  }
  const out = new Map<string, Record<string, any>>();
  const servers: { instance_id: string }[] = [];
  for (const row of await q.limit(page.limit).execute()) {
    const i = parseInstance(row);
    const launched = new Date(i.launched_at!);
    const ended = i.terminated_at ? new Date(i.terminated_at) : undefined;
    const from = launched > start ? launched : start;
    const to = ended && ended < stop ? ended : stop;
    const hours = Math.max(0, (to.getTime() - from.getTime()) / 3_600_000);
    const localGb = i.flavorInfo.root_gb + i.flavorInfo.ephemeral_gb;
    const info = {
      hours,
      flavor: i.flavorInfo.name,
      instance_id: i.uuid,
      name: i.display_name,
      tenant_id: i.project_id,
      memory_mb: i.flavorInfo.memory_mb,
      local_gb: localGb,
      vcpus: i.flavorInfo.vcpus,
      started_at: isoMicrosNoZone(launched),
      ended_at: ended ? isoMicrosNoZone(ended) : null,
      state: ended ? 'terminated' : i.vm_state,
      uptime: Math.floor(((ended ?? new Date()).getTime() - launched.getTime()) / 1000),
    };
    let s = out.get(i.project_id);
    if (!s) {
      s = {
        tenant_id: i.project_id,
        ...(detailed ? { server_usages: [] } : {}),
        total_local_gb_usage: 0,
        total_vcpus_usage: 0,
        total_memory_mb_usage: 0,
        total_hours: 0,
        start: isoMicrosNoZone(start),
        stop: isoMicrosNoZone(stop),
      };
      out.set(i.project_id, s);
    }
    s.total_local_gb_usage += localGb * hours;
    s.total_vcpus_usage += info.vcpus * hours;
    s.total_memory_mb_usage += info.memory_mb * hours;
    s.total_hours += hours;
    servers.push(info);
    if (detailed) s.server_usages.push(info);
  }
  return { usages: [...out.values()], servers };
}

/** From 2.40 the instances are paged (limit, marker) with a next link when a page is full. */
function paging(req: NovaRequest): Page & { paged: boolean } {
  if (!req.microversion.atLeast('2.40')) return { limit: 1000, paged: false };
  const { limit, marker } = pagination(req);
  return { limit, marker, paged: true };
}

export async function usageRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/os-simple-tenant-usage', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-simple-tenant-usage:list');
    // `/os-simple-tenant-usage/` is a show with an empty tenant to Nova
    if (req.originalUrl.split('?')[0].endsWith('/')) throw new NotFound('The resource could not be found.');
    const { start, stop, detailed } = period(req, false);
    const page = paging(req);
    const found = await usages(cloud, start, stop, detailed, page);
    const next = page.paged
      ? nextLink(req, 'os-simple-tenant-usage', found.servers, page.limit, (u) => u.instance_id)
      : undefined;
    return { tenant_usages: found.usages, ...(next ? { tenant_usages_links: next } : {}) };
  });

  app.get('/os-simple-tenant-usage/:tenant', async (req) => {
    const { tenant } = req.params as { tenant: string };
    if (!req.auth.isAdmin && req.auth.projectId !== tenant)
      throw policyDenied('os_compute_api:os-simple-tenant-usage:show');
    const { start, stop } = period(req, true);
    const page = paging(req);
    const found = await usages(cloud, start, stop, true, page, tenant);
    const next = page.paged
      ? nextLink(req, `os-simple-tenant-usage/${tenant}`, found.servers, page.limit, (u) => u.instance_id)
      : undefined;
    return { tenant_usage: found.usages[0] ?? {}, ...(next ? { tenant_usage_links: next } : {}) };
  });

  // The audit task never runs on pocketstack's one host: Nova's report of a host that has not run it.
  const audit = async (before: Date) => {
    const begin = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth() - 1, 1));
    const end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), 1));
    const hosts = await cdb(cloud)
      .selectFrom('nova_services')
      .select('host')
      .where('binary', '=', 'nova-compute')
      .execute();
    return {
      hosts_not_run: hosts.map((h) => h.host),
      log: {},
      num_hosts: hosts.length,
      num_hosts_done: 0,
      num_hosts_not_run: hosts.length,
      num_hosts_running: 0,
      overall_status: `0 of ${hosts.length} hosts done. 0 errors.`,
      period_beginning: isoMicrosNoZone(begin).replace('T', ' '),
      period_ending: isoMicrosNoZone(end).replace('T', ' '),
      total_errors: 0,
      total_instances: 0,
    };
  };

  app.get('/os-instance_usage_audit_log', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-instance-usage-audit-log:list');
    return { instance_usage_audit_logs: await audit(new Date()) };
  });

  app.get('/os-instance_usage_audit_log/:before', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-instance-usage-audit-log:show');
    const raw = (req.params as { before: string }).before;
    const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?$/.exec(decodeURIComponent(raw));
    if (!m) throw new BadRequest('Invalid timestamp for date %s'.replace('%s', raw));
    return { instance_usage_audit_log: await audit(new Date(`${m[1]}T${m[2]}Z`)) };
  });
}
